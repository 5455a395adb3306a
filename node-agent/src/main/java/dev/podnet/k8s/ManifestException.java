package dev.podnet.k8s;

/**
 * A manifest that cannot be applied as written: the message names the document, the object and the
 * field, and says what was expected ({@code document 2 (Service web): spec.ports[0].port: must be an
 * integer 1..65535, got "http"}). The API answers it with a 400.
 */
public final class ManifestException extends IllegalArgumentException
{
    private static final long serialVersionUID = 1L;

    public ManifestException(final String message)
    {
        super(message);
    }
}
