package dev.podnet.transport;

/**
 * Why a received tunnel message was dropped, returned by {@link TunnelFrameCodec.Decoder#decode}.
 * <p>
 * The receiving agent counts and drops on these values (one drop counter per reason, as Cilium's drop reasons);
 * {@link #label()} is the stable kebab-case name used as the metric label, prefixed {@code "tunnel-"} so it never
 * collides with the packet drop reasons.
 */
public enum TunnelError
{
    /**
     * The message decoded.
     */
    NONE("none"),

    /**
     * A tag, a fixed-size field, a length or the bytes it announces run past the end of the message.
     */
    TRUNCATED("tunnel-truncated"),

    /**
     * Not a valid Protobuf encoding, or one the tunnel refuses: field number 0; wire type 3 or 4 (groups), 6 or 7;
     * a varint longer than 10 bytes; a length that does not fit in 31 bits.
     */
    MALFORMED("tunnel-malformed"),

    /**
     * {@code network_id}, {@code source_node} or {@code frame} with a wire type other than its declared one.
     * The generated parser would keep such a field as an unknown field; the tunnel drops the message.
     */
    WRONG_WIRE_TYPE("tunnel-wrong-wire-type"),

    /**
     * No {@code frame} field, or an empty one (proto3 cannot tell the two apart): nothing to deliver.
     */
    MISSING_FRAME("tunnel-missing-frame"),

    /**
     * The frame is longer than the decoder's maximum frame length.
     */
    FRAME_TOO_LARGE("tunnel-frame-too-large");

    private final String label;

    TunnelError(final String label)
    {
        this.label = label;
    }

    /**
     * Stable kebab-case name, e.g. {@code "tunnel-truncated"} ({@code "none"} for {@link #NONE}), for metric labels.
     *
     * @return the label of this error.
     */
    public String label()
    {
        return label;
    }
}
