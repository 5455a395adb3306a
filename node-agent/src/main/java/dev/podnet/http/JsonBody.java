package dev.podnet.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A request body: one JSON object whose fields are read by name, each checked for presence, type and
 * range, with a message that names the field and says what was expected. No coercion: {@code "3"}
 * is not a number and {@code 3.0} is not an integer. Fields the route does not know are refused, so
 * a typo ({@code "timeout"} for {@code "timeoutMs"}) is an error instead of a silently used default.
 */
final class JsonBody
{
    private final JsonNode root;

    private JsonBody(final JsonNode root)
    {
        this.root = root;
    }

    /** Parses {@code body} as a JSON object with no fields other than {@code allowed}. */
    static JsonBody parse(final ObjectMapper mapper, final byte[] body, final List<String> allowed)
    {
        if (body.length == 0)
        {
            throw ApiException.badRequest("empty request body (expected: a JSON object with " + String.join(", ", allowed) + ")");
        }
        final JsonNode root;
        try
        {
            root = mapper.readTree(body);
        }
        catch (final JsonProcessingException ex)
        {
            throw ApiException.badRequest("malformed JSON: " + ex.getOriginalMessage());
        }
        catch (final java.io.IOException ex)
        {
            throw ApiException.badRequest("unreadable request body: " + ex.getMessage());
        }
        if (root == null || !root.isObject())
        {
            throw ApiException.badRequest("expected a JSON object, got " + (root == null ? "nothing" : kind(root)));
        }
        for (final Iterator<String> names = root.fieldNames(); names.hasNext(); )
        {
            final String name = names.next();
            if (!allowed.contains(name))
            {
                throw ApiException.badRequest("unknown field '" + name + "' (expected: " + String.join(", ", allowed) + ")");
            }
        }
        return new JsonBody(root);
    }

    String requiredString(final String name)
    {
        final String value = optionalString(name);
        if (value == null)
        {
            throw missing(name, "a string");
        }
        return value;
    }

    /** The field as it came, or JSON null when absent. */
    JsonNode raw(final String name)
    {
        final JsonNode node = root.get(name);
        return node == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : node;
    }

    /** The string, or {@code null} when absent or JSON {@code null}. */
    String optionalString(final String name)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            return null;
        }
        if (!node.isTextual())
        {
            throw wrongType(name, node, "a string");
        }
        return node.textValue();
    }

    int requiredInt(final String name, final int min, final int max)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            throw missing(name, "an integer " + min + ".." + max);
        }
        return toInt(name, node, min, max);
    }

    int optionalInt(final String name, final int defaultValue, final int min, final int max)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            return defaultValue;
        }
        return toInt(name, node, min, max);
    }

    /** The array, or {@code null} when absent or JSON {@code null}. */
    JsonNode optionalArray(final String name)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            return null;
        }
        if (!node.isArray())
        {
            throw wrongType(name, node, "an array");
        }
        return node;
    }

    /** The text of {@code element}, an element of array {@code name} at {@code index}; 400 when not a string. */
    static String text(final String name, final int index, final JsonNode element)
    {
        if (!element.isTextual())
        {
            throw wrongType(name + "[" + index + "]", element, "a string");
        }
        return element.textValue();
    }

    /** Field {@code field} of object {@code element} of array {@code name} as a string; 400 when missing or not one. */
    static String text(final String name, final int index, final JsonNode element, final String field)
    {
        final JsonNode value = element.isObject() ? element.get(field) : null;
        if (value == null || !value.isTextual())
        {
            throw ApiException.badRequest("field '" + name + "[" + index + "]." + field + "': expected a string");
        }
        return value.textValue();
    }

    /** An object of string values (labels), checked as Kubernetes checks labels; empty when absent. */
    java.util.Map<String, String> optionalLabels(final String name)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            return java.util.Map.of();
        }
        if (!node.isObject())
        {
            throw wrongType(name, node, "an object of strings");
        }
        final java.util.Map<String, String> labels = new java.util.TreeMap<>();
        for (final Iterator<java.util.Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); )
        {
            final java.util.Map.Entry<String, JsonNode> entry = it.next();
            final String keyProblem = dev.podnet.k8s.Names.labelKeyProblem(entry.getKey());
            if (keyProblem != null)
            {
                throw ApiException.badRequest("field '" + name + "': key '" + entry.getKey() + "': " + keyProblem);
            }
            if (!entry.getValue().isTextual())
            {
                throw wrongType(name + "." + entry.getKey(), entry.getValue(), "a string");
            }
            final String valueProblem = dev.podnet.k8s.Names.labelValueProblem(entry.getValue().textValue());
            if (valueProblem != null)
            {
                throw ApiException.badRequest("field '" + name + "." + entry.getKey() + "': " + valueProblem);
            }
            labels.put(entry.getKey(), entry.getValue().textValue());
        }
        return labels;
    }

    /**
     * Every field as text, in the body's order: strings as they are, numbers and booleans as JSON writes
     * them (for values with units, {@code "50ms"} or {@code 50}); 400 for an array, an object or null.
     */
    java.util.Map<String, String> scalars()
    {
        final java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
        for (final Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); )
        {
            final Map.Entry<String, JsonNode> field = it.next();
            final JsonNode node = field.getValue();
            if (!node.isValueNode() || node.isNull())
            {
                throw wrongType(field.getKey(), node, "a string, a number or a boolean");
            }
            fields.put(field.getKey(), node.asText());
        }
        return fields;
    }

    /**
     * A field that is {@code true} or a string: {@code whenTrue} for {@code true}, the string for a string,
     * null when absent, JSON {@code null} or {@code false}.
     */
    String optionalTrueOrString(final String name, final String whenTrue)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull() || (node.isBoolean() && !node.booleanValue()))
        {
            return null;
        }
        if (node.isBoolean())
        {
            return whenTrue;
        }
        if (!node.isTextual() || node.textValue().isEmpty())
        {
            throw wrongType(name, node, "true or a non-empty string");
        }
        return node.textValue();
    }

    boolean optionalBoolean(final String name, final boolean defaultValue)
    {
        final JsonNode node = root.get(name);
        if (node == null || node.isNull())
        {
            return defaultValue;
        }
        if (!node.isBoolean())
        {
            throw wrongType(name, node, "true or false");
        }
        return node.booleanValue();
    }

    private static int toInt(final String name, final JsonNode node, final int min, final int max)
    {
        if (!node.isIntegralNumber())
        {
            throw wrongType(name, node, "an integer " + min + ".." + max);
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max)
        {
            throw ApiException.badRequest("field '" + name + "': " + node.asText() + " outside " + min + ".." + max);
        }
        return node.intValue();
    }

    private static ApiException missing(final String name, final String expected)
    {
        return ApiException.badRequest("missing field '" + name + "' (expected: " + expected + ")");
    }

    private static ApiException wrongType(final String name, final JsonNode node, final String expected)
    {
        return ApiException.badRequest("field '" + name + "' is " + kind(node) + " (expected: " + expected + ")");
    }

    private static String kind(final JsonNode node)
    {
        switch (node.getNodeType())
        {
            case STRING:
                return "a string";
            case NUMBER:
                return node.isIntegralNumber() ? "an integer" : "a fractional number";
            case BOOLEAN:
                return "a boolean";
            case ARRAY:
                return "an array";
            case OBJECT:
                return "an object";
            case NULL:
                return "null";
            default:
                return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
