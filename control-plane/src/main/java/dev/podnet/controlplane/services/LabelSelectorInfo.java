package dev.podnet.controlplane.services;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Kubernetes label selector (schema {@code LabelSelectorRecord}): {@code matchLabels} and
 * {@code matchExpressions}, every one of which must hold; an empty selector selects everything (unlike a
 * Service's plain selector, where empty selects nothing).
 *
 * @param matchLabels      key = value pairs
 * @param matchExpressions requirements with In, NotIn, Exists or DoesNotExist
 */
public record LabelSelectorInfo(Map<String, String> matchLabels, List<Requirement> matchExpressions)
{
    public static final String IN = "In";
    public static final String NOT_IN = "NotIn";
    public static final String EXISTS = "Exists";
    public static final String DOES_NOT_EXIST = "DoesNotExist";
    public static final List<String> OPERATORS = List.of(IN, NOT_IN, EXISTS, DOES_NOT_EXIST);
    /** {@code {}}: everything. */
    public static final LabelSelectorInfo ALL = new LabelSelectorInfo(Map.of(), List.of());

    /**
     * @param key      the label key
     * @param operator one of {@link #OPERATORS}
     * @param values   the values of In and NotIn (empty for the others)
     */
    public record Requirement(String key, String operator, List<String> values)
    {
        public Requirement
        {
            values = values == null ? List.of() : List.copyOf(values);
        }

        public boolean matches(final Map<String, String> labels)
        {
            final String value = labels.get(key);
            return switch (operator)
            {
                case IN -> value != null && values.contains(value);
                case NOT_IN -> value == null || !values.contains(value); // NotIn matches a missing key, as apimachinery's
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
                default -> false;
            };
        }

        @Override
        public String toString()
        {
            return switch (operator)
            {
                case IN -> key + " in (" + String.join(",", values) + ")";
                case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
                case EXISTS -> key;
                default -> "!" + key;
            };
        }
    }

    public LabelSelectorInfo
    {
        matchLabels = matchLabels == null || matchLabels.isEmpty() ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(matchLabels));
        matchExpressions = matchExpressions == null ? List.of() : List.copyOf(matchExpressions);
    }

    /** Whether it selects an object with {@code labels}. */
    public boolean matches(final Map<String, String> labels)
    {
        for (final Map.Entry<String, String> wanted : matchLabels.entrySet())
        {
            if (!wanted.getValue().equals(labels.get(wanted.getKey())))
            {
                return false;
            }
        }
        for (final Requirement requirement : matchExpressions)
        {
            if (!requirement.matches(labels))
            {
                return false;
            }
        }
        return true;
    }

    public boolean empty()
    {
        return matchLabels.isEmpty() && matchExpressions.isEmpty();
    }

    /** As kubectl describe prints a selector: {@code app=web,tier in (a,b)}, or {@code <none> (all ...)} when empty. */
    @Override
    public String toString()
    {
        final List<String> parts = new java.util.ArrayList<>();
        matchLabels.forEach((key, value) -> parts.add(key + "=" + value));
        matchExpressions.forEach(requirement -> parts.add(requirement.toString()));
        return String.join(",", parts);
    }
}
