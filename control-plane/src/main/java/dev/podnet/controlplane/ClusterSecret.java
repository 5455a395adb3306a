package dev.podnet.controlplane;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * The secret every node of one cluster shares ({@code PODNET_CLUSTER_SECRET} or a file): what a node needs
 * to join. Nothing is sent or stored as it is; everything is derived from it with HKDF-SHA256 (RFC 5869),
 * one purpose per {@code info} string:
 * <ul>
 *   <li>the cluster's TLS key pair and certificate ({@link ClusterTls}): a node that holds another secret
 *       cannot complete a TLS handshake with this cluster's nodes, so it cannot join or send a message;</li>
 *   <li>the tunnel's network id ({@link #networkId()}): frames of a cluster with another secret are dropped
 *       as {@code wrong-network}.</li>
 * </ul>
 * {@link #toString()} never shows it; messages about a bad secret never repeat it.
 */
public final class ClusterSecret
{
    /** Shortest secret accepted: 16 characters ({@code openssl rand -hex 16} makes 32). */
    public static final int MIN_LENGTH = 16;
    private static final byte[] SALT = "podnet cluster secret v1".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_NETWORK_ID = (1 << 24) - 1;

    /** HKDF's pseudo-random key, extracted from the secret; the secret itself is not kept. */
    private final byte[] prk;

    private ClusterSecret(final byte[] prk)
    {
        this.prk = prk;
    }

    /**
     * A secret as given (surrounding white space removed).
     *
     * @throws IllegalArgumentException when shorter than {@value #MIN_LENGTH} characters (the message never shows it)
     */
    public static ClusterSecret of(final String secret)
    {
        final String trimmed = secret == null ? "" : secret.strip();
        if (trimmed.length() < MIN_LENGTH)
        {
            throw new IllegalArgumentException("the cluster secret has " + trimmed.length() + " characters: at least " +
                MIN_LENGTH + " are needed (e.g. openssl rand -hex 16)");
        }
        return new ClusterSecret(hmac(SALT, trimmed.getBytes(StandardCharsets.UTF_8)));
    }

    /** The secret in {@code file} (its first line, surrounding white space removed). */
    public static ClusterSecret read(final Path file)
    {
        try
        {
            return of(Files.readString(file, StandardCharsets.UTF_8).strip().lines().findFirst().orElse(""));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    /** The tunnel's network id: 24 bits derived from the secret, 1..16777215 (a VXLAN VNI's range). */
    public int networkId()
    {
        final byte[] bytes = derive("podnet tunnel network id", 3);
        final int id = (bytes[0] & 0xFF) << 16 | (bytes[1] & 0xFF) << 8 | (bytes[2] & 0xFF);
        return id == 0 ? MAX_NETWORK_ID : id;
    }

    /** {@code length} bytes for {@code purpose}: HKDF-Expand (RFC 5869 2.3), at most 255 × 32 bytes. */
    byte[] derive(final String purpose, final int length)
    {
        final byte[] info = purpose.getBytes(StandardCharsets.US_ASCII);
        final byte[] out = new byte[length];
        byte[] block = new byte[0];
        int written = 0;
        for (int counter = 1; written < length; counter++)
        {
            final byte[] input = new byte[block.length + info.length + 1];
            System.arraycopy(block, 0, input, 0, block.length);
            System.arraycopy(info, 0, input, block.length, info.length);
            input[input.length - 1] = (byte)counter;
            block = hmac(prk, input);
            final int n = Math.min(block.length, length - written);
            System.arraycopy(block, 0, out, written, n);
            written += n;
        }
        return out;
    }

    private static byte[] hmac(final byte[] key, final byte[] data)
    {
        try
        {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalStateException("every JVM has HmacSHA256", ex);
        }
    }

    /** Equal when made from the same secret (compared in constant time). */
    @Override
    public boolean equals(final Object other)
    {
        return other instanceof ClusterSecret secret && java.security.MessageDigest.isEqual(prk, secret.prk);
    }

    @Override
    public int hashCode()
    {
        return java.util.Arrays.hashCode(prk);
    }

    @Override
    public String toString()
    {
        return "ClusterSecret(redacted)";
    }
}
