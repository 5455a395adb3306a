package dev.podnet.transport;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * Hot-path codec for the tunnel message {@code podnet.tunnel.v1.TunnelFrame} ({@code proto/.../tunnel.proto}):
 * writes and reads its Protobuf wire format directly in Agrona buffers, without allocating.
 * <p>
 * What {@link #encode} and {@link #encodeHeader} write, fields in number order as protobuf-java writes them:
 * <pre>
 *  offset  length  content
 *  ------  ------  -----------------------------------------------------------------------
 *   0      1       0x0D  tag: field 1 (network_id), wire type 5 (fixed32)
 *   1      4       network_id, little-endian
 *   5      1       0x15  tag: field 2 (source_node), wire type 5 (fixed32)
 *   6      4       source_node, little-endian
 *  10      1       0x1A  tag: field 3 (frame), wire type 2 (length-delimited)
 *  11      1..5    frame length, unsigned varint: 1 byte below 128, 2 bytes below 16384
 *  12..16  n       the inner Ethernet II frame
 *
 *  envelope = 11 + varint size of n: 12 bytes for n &lt; 128, 13 bytes for 128 &lt;= n &lt;= 16383
 *
 *  then, for a traced frame only ({@link #encode(MutableDirectBuffer, int, int, int, int, DirectBuffer, int, int, int)}):
 *  +0      1       0x25  tag: field 4 (trace_id), wire type 5 (fixed32)
 *  +1      4       trace_id, little-endian
 * </pre>
 * The ids are written even when zero (proto3 would omit them) so that the envelope never depends on them. Such a
 * message is still a valid encoding that the generated classes parse to the same values; for non-zero ids and a
 * non-empty frame the bytes are identical to {@code TunnelFrame.newBuilder()...build().toByteArray()}.
 * <p>
 * Why hand-written rather than the generated classes: a generated builder, {@code toByteArray()} and
 * {@code parseFrom()} allocate about 0.4 to 4.7 KB per frame, growing with the frame (three copies of it: the
 * {@code ByteString} set on the builder, the output array and the {@code ByteString} parsed, plus the builder, two
 * messages and the streams; about 4.5 KB for a 1427-byte frame, see {@code TunnelCodecBenchmark}), and even
 * {@code CodedOutputStream.newInstance} and {@code CodedInputStream.newInstance} allocate a stream per call.
 * The fixed-size fields also make the envelope a known 13 bytes for every frame of 128..16383 bytes
 * ({@link #MAX_ENVELOPE_LENGTH_16K}), which the pod MTU arithmetic relies on: the pod MTU is what remains of one
 * Aeron message after the envelope and the inner Ethernet header.
 * <p>
 * {@link Decoder} follows the Protobuf wire format rules as the generated parser does: fields in any order, the last
 * occurrence of a field wins (the {@code frame} field too: it replaces, it does not append), unknown fields of wire
 * types 0, 1, 2 and 5 are skipped, tags are the low 32 bits of a varint of up to 10 bytes. It is deliberately
 * stricter in four ways, each a drop with its own reason rather than a guess:
 * <ul>
 *     <li>a known field with a wire type other than its declared one (e.g. {@code network_id} as a varint) is
 *     {@link TunnelError#WRONG_WIRE_TYPE}; the generated parser would keep it as an unknown field and leave the
 *     known field as it was, i.e. deliver a frame with a zero network id, or no frame. A sender that writes such
 *     bytes is broken or hostile, and for a tunnel we prefer to drop;</li>
 *     <li>groups (wire types 3 and 4) are {@link TunnelError#MALFORMED}: proto3 has none and no podnet sender
 *     writes one, while the generated parser would skip a well-formed group, whatever its field number;</li>
 *     <li>a length that does not fit in 31 bits is {@link TunnelError#MALFORMED}, where protobuf-java keeps the low
 *     32 bits of the varint;</li>
 *     <li>an absent or empty frame ({@link TunnelError#MISSING_FRAME}) and a frame longer than the decoder's
 *     maximum ({@link TunnelError#FRAME_TOO_LARGE}) are errors, while for Protobuf they are valid messages.</li>
 * </ul>
 * Neither side allocates; the decoder keeps its results in fields and is reused for every message.
 */
public final class TunnelFrameCodec
{
    /**
     * Tag of {@code fixed32 network_id = 1}: field 1, wire type 5 (fixed32), 0x0D.
     */
    public static final int NETWORK_ID_TAG = (1 << 3) | 5;

    /**
     * Tag of {@code fixed32 source_node = 2}: field 2, wire type 5 (fixed32), 0x15.
     */
    public static final int SOURCE_NODE_TAG = (2 << 3) | 5;

    /**
     * Tag of {@code bytes frame = 3}: field 3, wire type 2 (length-delimited), 0x1A.
     */
    public static final int FRAME_TAG = (3 << 3) | 2;

    /**
     * Tag of {@code fixed32 trace_id = 4}: field 4, wire type 5 (fixed32), 0x25. Written after the frame, and only
     * for a traced frame.
     */
    public static final int TRACE_ID_TAG = (4 << 3) | 5;

    /**
     * What a trace id adds to a traced frame's message: its tag and 4 bytes.
     */
    public static final int TRACE_ID_LENGTH = 5;

    /**
     * Offset of the {@code network_id} tag in an encoded message, 1 byte.
     */
    public static final int NETWORK_ID_TAG_OFFSET = 0;

    /**
     * Offset of the {@code network_id} value, 4 bytes little-endian.
     */
    public static final int NETWORK_ID_OFFSET = NETWORK_ID_TAG_OFFSET + 1;

    /**
     * Offset of the {@code source_node} tag, 1 byte.
     */
    public static final int SOURCE_NODE_TAG_OFFSET = NETWORK_ID_OFFSET + 4;

    /**
     * Offset of the {@code source_node} value, 4 bytes little-endian.
     */
    public static final int SOURCE_NODE_OFFSET = SOURCE_NODE_TAG_OFFSET + 1;

    /**
     * Offset of the {@code frame} tag, 1 byte.
     */
    public static final int FRAME_TAG_OFFSET = SOURCE_NODE_OFFSET + 4;

    /**
     * Offset of the frame length, a varint of 1..5 bytes; the frame follows it.
     */
    public static final int FRAME_LENGTH_OFFSET = FRAME_TAG_OFFSET + 1;

    /**
     * Largest envelope for frames up to 16383 bytes: 13 bytes (a 2-byte length varint).
     */
    public static final int MAX_ENVELOPE_LENGTH_16K = FRAME_LENGTH_OFFSET + 2;

    /**
     * Wire type 0: varint.
     */
    public static final int WIRE_TYPE_VARINT = 0;

    /**
     * Wire type 1: 64-bit, little-endian.
     */
    public static final int WIRE_TYPE_FIXED64 = 1;

    /**
     * Wire type 2: length-delimited.
     */
    public static final int WIRE_TYPE_LENGTH_DELIMITED = 2;

    /**
     * Wire type 5: 32-bit, little-endian.
     */
    public static final int WIRE_TYPE_FIXED32 = 5;

    private static final int NETWORK_ID_FIELD = 1;
    private static final int SOURCE_NODE_FIELD = 2;
    private static final int FRAME_FIELD = 3;
    private static final int TRACE_ID_FIELD = 4;
    private static final int MAX_VARINT_LENGTH = 10;

    private TunnelFrameCodec()
    {
    }

    /**
     * Bytes the envelope adds to a frame of the given length: 5 + 5 + 1 + the varint size of the length.
     *
     * @param frameLength of the inner frame, 0 or more.
     * @return 12 for frames below 128 bytes, 13 up to 16383 bytes, 14 up to 2097151 bytes, then 15 and 16.
     */
    public static int envelopeLength(final int frameLength)
    {
        return FRAME_LENGTH_OFFSET + varintLength(frameLength);
    }

    /**
     * Write {@code network_id}, {@code source_node} and the {@code frame} field's tag and length at
     * {@code dst[offset]}; the caller then writes the frame bytes at the returned index (e.g. straight into a claimed
     * Aeron buffer). No checks beyond the buffer's own bounds checks.
     *
     * @param dst         buffer to write to.
     * @param offset      index of the first byte of the message.
     * @param networkId   the cluster network id.
     * @param sourceNode  the sending node's tunnel address.
     * @param frameLength length of the frame that follows, 0 or more.
     * @return the index where the frame bytes go: {@code offset + envelopeLength(frameLength)}.
     */
    public static int encodeHeader(
        final MutableDirectBuffer dst,
        final int offset,
        final int networkId,
        final int sourceNode,
        final int frameLength)
    {
        dst.putByte(offset + NETWORK_ID_TAG_OFFSET, (byte)NETWORK_ID_TAG);
        dst.putInt(offset + NETWORK_ID_OFFSET, networkId, LITTLE_ENDIAN);
        dst.putByte(offset + SOURCE_NODE_TAG_OFFSET, (byte)SOURCE_NODE_TAG);
        dst.putInt(offset + SOURCE_NODE_OFFSET, sourceNode, LITTLE_ENDIAN);
        dst.putByte(offset + FRAME_TAG_OFFSET, (byte)FRAME_TAG);

        return putVarint(dst, offset + FRAME_LENGTH_OFFSET, frameLength);
    }

    /**
     * {@link #encodeHeader} followed by a copy of the frame.
     *
     * @param dst         buffer to write to.
     * @param offset      index of the first byte of the message.
     * @param capacity    bytes available in {@code dst} from {@code offset}.
     * @param networkId   the cluster network id.
     * @param sourceNode  the sending node's tunnel address.
     * @param frame       buffer holding the frame.
     * @param frameOffset index of the first frame byte in {@code frame}.
     * @param frameLength length of the frame, 0 or more.
     * @return the encoded length {@code envelopeLength(frameLength) + frameLength}, or -1, with nothing written, if
     * that is more than {@code capacity} or {@code frameLength} is negative.
     */
    public static int encode(
        final MutableDirectBuffer dst,
        final int offset,
        final int capacity,
        final int networkId,
        final int sourceNode,
        final DirectBuffer frame,
        final int frameOffset,
        final int frameLength)
    {
        final int envelopeLength = envelopeLength(frameLength);
        if (frameLength < 0 || frameLength > capacity - envelopeLength)
        {
            return -1;
        }

        final int frameIndex = encodeHeader(dst, offset, networkId, sourceNode, frameLength);
        dst.putBytes(frameIndex, frame, frameOffset, frameLength);

        return envelopeLength + frameLength;
    }

    /**
     * {@link #encode(MutableDirectBuffer, int, int, int, int, DirectBuffer, int, int)} followed, when {@code traceId}
     * is not 0, by the {@code trace_id} field ({@value #TRACE_ID_LENGTH} bytes more).
     *
     * @return the encoded length, or -1, with nothing written, if that is more than {@code capacity}.
     */
    public static int encode(
        final MutableDirectBuffer dst,
        final int offset,
        final int capacity,
        final int networkId,
        final int sourceNode,
        final DirectBuffer frame,
        final int frameOffset,
        final int frameLength,
        final int traceId)
    {
        if (traceId == 0)
        {
            return encode(dst, offset, capacity, networkId, sourceNode, frame, frameOffset, frameLength);
        }
        final int encoded = encode(dst, offset, capacity - TRACE_ID_LENGTH, networkId, sourceNode, frame, frameOffset, frameLength);
        if (encoded < 0)
        {
            return -1;
        }
        dst.putByte(offset + encoded, (byte)TRACE_ID_TAG);
        dst.putInt(offset + encoded + 1, traceId, LITTLE_ENDIAN);
        return encoded + TRACE_ID_LENGTH;
    }

    private static int varintLength(final int value)
    {
        if ((value & (0xFFFF_FFFF << 7)) == 0)
        {
            return 1;
        }
        if ((value & (0xFFFF_FFFF << 14)) == 0)
        {
            return 2;
        }
        if ((value & (0xFFFF_FFFF << 21)) == 0)
        {
            return 3;
        }
        if ((value & (0xFFFF_FFFF << 28)) == 0)
        {
            return 4;
        }

        return 5;
    }

    private static int putVarint(final MutableDirectBuffer dst, final int index, final int value)
    {
        int i = index;
        int remaining = value;
        while ((remaining & ~0x7F) != 0)
        {
            dst.putByte(i++, (byte)((remaining & 0x7F) | 0x80));
            remaining >>>= 7;
        }
        dst.putByte(i++, (byte)remaining);

        return i;
    }

    /**
     * Reusable decoder, one per receiving agent: {@link #decode} a message, then read its fields. No allocation.
     * The accessors describe the last decoded message when {@link #decode} returned {@link TunnelError#NONE}; after
     * an error they read 0 (and {@link #frameOffset()} the message offset). Not thread-safe.
     */
    public static final class Decoder
    {
        // Negative "indexes" returned by the private readers instead of an index: the error found.
        private static final int TRUNCATED_CODE = -1;
        private static final int MALFORMED_CODE = -2;
        private static final int WRONG_WIRE_TYPE_CODE = -3;

        private final int maxFrameLength;
        private long varint;
        private int networkId;
        private int sourceNode;
        private int traceId;
        private int frameOffset;
        private int frameLength;

        /**
         * Create a decoder that accepts frames up to the given length.
         *
         * @param maxFrameLength longest frame accepted, 1 or more, e.g. the tunnel MTU's worth.
         * @throws IllegalArgumentException if {@code maxFrameLength} is not positive.
         */
        public Decoder(final int maxFrameLength)
        {
            if (maxFrameLength < 1)
            {
                throw new IllegalArgumentException("maxFrameLength: " + maxFrameLength + " (expected: 1+)");
            }

            this.maxFrameLength = maxFrameLength;
        }

        /**
         * Longest frame accepted.
         *
         * @return the maximum frame length given at construction.
         */
        public int maxFrameLength()
        {
            return maxFrameLength;
        }

        /**
         * Parse one message occupying exactly {@code src[offset, offset + length)}; nothing outside is read.
         * Never throws and never allocates for any {@code (offset, length)} inside the buffer.
         *
         * @param src    buffer holding the message.
         * @param offset index of the first byte of the message.
         * @param length of the message in bytes.
         * @return {@link TunnelError#NONE} or the first problem found.
         */
        public TunnelError decode(final DirectBuffer src, final int offset, final int length)
        {
            final TunnelError error = parse(src, offset, offset + length);
            if (TunnelError.NONE != error)
            {
                networkId = 0;
                sourceNode = 0;
                traceId = 0;
                frameOffset = offset;
                frameLength = 0;
            }

            return error;
        }

        /**
         * The {@code network_id} field.
         *
         * @return the network id, 0 when absent (the proto3 default).
         */
        public int networkId()
        {
            return networkId;
        }

        /**
         * The {@code source_node} field.
         *
         * @return the sending node's tunnel address, 0 when absent (the proto3 default).
         */
        public int sourceNode()
        {
            return sourceNode;
        }

        /**
         * The {@code trace_id} field.
         *
         * @return the trace the frame belongs to, 0 when absent (not traced).
         */
        public int traceId()
        {
            return traceId;
        }

        /**
         * Where the frame lies in the decoded buffer.
         *
         * @return absolute index in {@code src} of the first frame byte.
         */
        public int frameOffset()
        {
            return frameOffset;
        }

        /**
         * Length of the frame.
         *
         * @return 1..maxFrameLength after a successful decode.
         */
        public int frameLength()
        {
            return frameLength;
        }

        private TunnelError parse(final DirectBuffer src, final int offset, final int end)
        {
            networkId = 0;
            sourceNode = 0;
            traceId = 0;
            frameOffset = offset;
            frameLength = 0;

            int index = offset;
            while (index < end)
            {
                index = readVarint(src, index, end);
                if (index < 0)
                {
                    return errorOf(index);
                }
                final int tag = (int)varint;

                switch (tag)
                {
                    case NETWORK_ID_TAG:
                        if (end - index < 4)
                        {
                            return TunnelError.TRUNCATED;
                        }
                        networkId = src.getInt(index, LITTLE_ENDIAN);
                        index += 4;
                        break;

                    case SOURCE_NODE_TAG:
                        if (end - index < 4)
                        {
                            return TunnelError.TRUNCATED;
                        }
                        sourceNode = src.getInt(index, LITTLE_ENDIAN);
                        index += 4;
                        break;

                    case TRACE_ID_TAG:
                        if (end - index < 4)
                        {
                            return TunnelError.TRUNCATED;
                        }
                        traceId = src.getInt(index, LITTLE_ENDIAN);
                        index += 4;
                        break;

                    case FRAME_TAG:
                        index = readLength(src, index, end);
                        if (index < 0)
                        {
                            return errorOf(index);
                        }
                        frameOffset = index;
                        frameLength = (int)varint;
                        index += frameLength;
                        break;

                    default:
                        index = skipField(src, index, end, tag);
                        if (index < 0)
                        {
                            return errorOf(index);
                        }
                        break;
                }
            }

            if (0 == frameLength)
            {
                return TunnelError.MISSING_FRAME;
            }

            if (frameLength > maxFrameLength)
            {
                return TunnelError.FRAME_TOO_LARGE;
            }

            return TunnelError.NONE;
        }

        /**
         * Skip a field other than the four known tags: field number 0, wire types 3, 4, 6 and 7 are malformed, a known
         * field number here has the wrong wire type.
         *
         * @return the index after the field, or a negative error code.
         */
        private int skipField(final DirectBuffer src, final int index, final int end, final int tag)
        {
            final int fieldNumber = tag >>> 3;
            final int wireType = tag & 7;
            if (0 == fieldNumber)
            {
                return MALFORMED_CODE;
            }

            final boolean known = NETWORK_ID_FIELD == fieldNumber || SOURCE_NODE_FIELD == fieldNumber ||
                FRAME_FIELD == fieldNumber || TRACE_ID_FIELD == fieldNumber;

            switch (wireType)
            {
                case WIRE_TYPE_VARINT:
                    return known ? WRONG_WIRE_TYPE_CODE : readVarint(src, index, end);

                case WIRE_TYPE_FIXED64:
                    if (known)
                    {
                        return WRONG_WIRE_TYPE_CODE;
                    }
                    return end - index < 8 ? TRUNCATED_CODE : index + 8;

                case WIRE_TYPE_LENGTH_DELIMITED:
                    if (known)
                    {
                        return WRONG_WIRE_TYPE_CODE;
                    }
                    return skipLengthDelimited(src, index, end);

                case WIRE_TYPE_FIXED32:
                    if (known)
                    {
                        return WRONG_WIRE_TYPE_CODE;
                    }
                    return end - index < 4 ? TRUNCATED_CODE : index + 4;

                default:
                    return MALFORMED_CODE;
            }
        }

        private int skipLengthDelimited(final DirectBuffer src, final int index, final int end)
        {
            final int contentIndex = readLength(src, index, end);

            return contentIndex < 0 ? contentIndex : contentIndex + (int)varint;
        }

        /**
         * Read the length of a length-delimited field and check that many bytes follow it.
         *
         * @return the index of the first byte of the field's content, the length left in {@link #varint}, or a
         * negative error code.
         */
        private int readLength(final DirectBuffer src, final int index, final int end)
        {
            final int next = readVarint(src, index, end);
            if (next < 0)
            {
                return next;
            }

            if ((varint >>> 31) != 0)
            {
                return MALFORMED_CODE;
            }

            return varint > end - next ? TRUNCATED_CODE : next;
        }

        /**
         * Read a varint of up to 10 bytes into {@link #varint}; bits beyond 64 are dropped, as protobuf-java does.
         *
         * @return the index after the varint, or a negative error code.
         */
        private int readVarint(final DirectBuffer src, final int index, final int end)
        {
            long value = 0;
            int i = index;
            for (int shift = 0; shift < 7 * MAX_VARINT_LENGTH; shift += 7)
            {
                if (i >= end)
                {
                    return TRUNCATED_CODE;
                }

                final byte b = src.getByte(i++);
                value |= (long)(b & 0x7F) << shift;
                if (b >= 0)
                {
                    varint = value;
                    return i;
                }
            }

            return MALFORMED_CODE;
        }

        private static TunnelError errorOf(final int code)
        {
            switch (code)
            {
                case TRUNCATED_CODE:
                    return TunnelError.TRUNCATED;
                case WRONG_WIRE_TYPE_CODE:
                    return TunnelError.WRONG_WIRE_TYPE;
                default:
                    return TunnelError.MALFORMED;
            }
        }
    }
}
