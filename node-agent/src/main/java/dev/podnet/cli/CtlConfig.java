package dev.podnet.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * podnetctl's per-user config file, {@code $XDG_CONFIG_HOME/podnetctl/config} (else
 * {@code ~/.config/podnetctl/config}), as kubectl has its kubeconfig: {@code key = value} lines (Java
 * properties), {@code server} (HOST:PORT) and {@code token} (the agent's API token). Flags and
 * variables win over it; a missing file is no error, an unknown key is (a typo would be ignored otherwise).
 *
 * @param path   where the file is (or would be)
 * @param server the {@code server} line, or null
 * @param token  the {@code token} line, or null
 */
record CtlConfig(Path path, String server, String token)
{
    private static final Set<String> KEYS = Set.of("server", "token");

    @Override
    public String toString()
    {
        return "CtlConfig[path=" + path + ", server=" + server + ", token=" + (token == null ? "none" : "(redacted)") + "]";
    }

    /** The config file of the user whose environment is {@code env}; a usage error when it cannot be read or is wrong. */
    static CtlConfig load(final Map<String, String> env, final CommandLine cmd)
    {
        final Path path = path(env);
        if (path == null || !Files.isRegularFile(path))
        {
            return new CtlConfig(path, null, null);
        }
        final Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8))
        {
            properties.load(reader);
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            throw new CommandLine.ParameterException(cmd, "cannot read " + path + ": " + ex.getMessage());
        }
        for (final String key : properties.stringPropertyNames())
        {
            if (!KEYS.contains(key))
            {
                throw new CommandLine.ParameterException(cmd, path + ": unknown key '" + key + "' (known: server, token)");
            }
        }
        return new CtlConfig(path, blankToNull(properties.getProperty("server")), blankToNull(properties.getProperty("token")));
    }

    private static Path path(final Map<String, String> env)
    {
        final String xdg = env.get("XDG_CONFIG_HOME");
        if (xdg != null && !xdg.isBlank())
        {
            return Path.of(xdg, "podnetctl", "config");
        }
        final String home = env.get("HOME");
        return home == null || home.isBlank() ? null : Path.of(home, ".config", "podnetctl", "config");
    }

    private static String blankToNull(final String value)
    {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
