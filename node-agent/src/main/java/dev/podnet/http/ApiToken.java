package dev.podnet.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer token an agent's API may require ({@code --api-token-file} or {@code PODNET_API_TOKEN}),
 * as a Kubernetes API server takes a static token: every request except {@code /healthz} and
 * {@code /readyz} then carries {@code Authorization: Bearer TOKEN} (RFC 6750), else it is a 401.
 * <p>
 * The token is compared in constant time: both sides are hashed with SHA-256 first, so neither the
 * position of the first differing byte nor the length of the token shows in the time a check takes
 * ({@link MessageDigest#isEqual} compares digests of equal length in time independent of their
 * contents). The token is never logged: {@link #toString()} says only that there is one.
 */
public final class ApiToken
{
    /** Shortest token accepted: 16 characters (e.g. {@code openssl rand -hex 16} makes 32). */
    public static final int MIN_LENGTH = 16;
    private static final String SCHEME = "Bearer ";

    private final String value;
    private final byte[] digest;

    private ApiToken(final String value)
    {
        this.value = value;
        this.digest = sha256(value);
    }

    /**
     * A token as given (surrounding white space, e.g. a file's last newline, removed).
     *
     * @throws IllegalArgumentException when it is shorter than {@value #MIN_LENGTH} characters or has other than
     *                                  visible ASCII characters (it travels in an HTTP header); the message never
     *                                  repeats the token
     */
    public static ApiToken of(final String token)
    {
        final String trimmed = token == null ? "" : token.strip();
        if (trimmed.length() < MIN_LENGTH)
        {
            throw new IllegalArgumentException("the API token has " + trimmed.length() + " characters: at least " +
                MIN_LENGTH + " are needed (e.g. openssl rand -hex 16)");
        }
        for (int i = 0; i < trimmed.length(); i++)
        {
            final char c = trimmed.charAt(i);
            if (c < 0x21 || c > 0x7E)
            {
                throw new IllegalArgumentException("the API token may only hold visible ASCII characters " +
                    "(no spaces): character " + (i + 1) + " is not one");
            }
        }
        return new ApiToken(trimmed);
    }

    /** The token in {@code file} (its first line; surrounding white space removed). */
    public static ApiToken read(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
        final String firstLine = text.strip().lines().findFirst().orElse("");
        return of(firstLine);
    }

    /** Whether an {@code Authorization} header value carries this token ({@code null}: no header, no). */
    public boolean accepts(final String authorization)
    {
        if (authorization == null || authorization.length() < SCHEME.length() ||
            !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length()))
        {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(SCHEME.length()).strip()));
    }

    /** The {@code Authorization} header value that carries it, for requests this agent sends to others. */
    public String header()
    {
        return SCHEME + value;
    }

    @Override
    public String toString()
    {
        return "ApiToken(redacted)";
    }

    private static byte[] sha256(final String text)
    {
        try
        {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every JVM has SHA-256", ex);
        }
    }
}
