package dev.podnet.k8s;

import java.util.regex.Pattern;

/**
 * Kubernetes' name and label syntax (apimachinery's validation), with its error wording.
 */
public final class Names
{
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
    private static final Pattern IANA_SVC_NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");

    private Names()
    {
    }

    /** Why {@code name} is no DNS-1123 label (an object name, a namespace), or null. */
    public static String dnsLabelProblem(final String name)
    {
        if (name.length() > 63)
        {
            return "must be no more than 63 characters";
        }
        return DNS_LABEL.matcher(name).matches() ? null :
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with " +
                "an alphanumeric character (e.g. 'my-name', or '123-abc')";
    }

    /** Why {@code key} is no label key ({@code [prefix/]name}), or null. */
    public static String labelKeyProblem(final String key)
    {
        final int slash = key.indexOf('/');
        final String name = slash < 0 ? key : key.substring(slash + 1);
        if (slash >= 0)
        {
            final String prefix = key.substring(0, slash);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches())
            {
                return "prefix part must be a lowercase RFC 1123 subdomain";
            }
        }
        if (name.isEmpty() || name.length() > 63 || !QUALIFIED_NAME.matcher(name).matches())
        {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', must start and end with an " +
                "alphanumeric character, and be at most 63 characters";
        }
        return null;
    }

    /** Why {@code value} is no label value, or null. */
    public static String labelValueProblem(final String value)
    {
        if (value.isEmpty())
        {
            return null;
        }
        return value.length() <= 63 && QUALIFIED_NAME.matcher(value).matches() ? null :
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
                "end with an alphanumeric character, at most 63 characters";
    }

    /** Why {@code name} is no IANA service name (a container port's name, a targetPort by name), or null. */
    public static String portNameProblem(final String name)
    {
        if (name.length() > 15)
        {
            return "must be no more than 15 characters";
        }
        if (!IANA_SVC_NAME.matcher(name).matches() || name.contains("--"))
        {
            return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-), not start or end with one, " +
                "nor have two in a row";
        }
        return name.chars().anyMatch(Character::isLetter) ? null : "must contain at least one letter (a-z)";
    }
}
