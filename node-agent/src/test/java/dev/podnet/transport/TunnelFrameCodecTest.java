package dev.podnet.transport;

import dev.podnet.testing.AllocationMeter;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import dev.podnet.proto.tunnel.TunnelFrame;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TunnelFrameCodecTest
{
    private static final int NETWORK_ID = 0x0102_0304;
    private static final int SOURCE_NODE = 0x0AF4_0300;
    private static final int MAX_FRAME_LENGTH = 16384;

    /**
     * Hand-checked: network_id 0x01020304 and source_node 10.244.3.0 little-endian, frame tag, 1427 = 0x593 as the
     * varint 0x93 0x0B (0x13 | 0x80, then 0x593 >>> 7 = 11).
     */
    private static final String HEADER_1427 = "0d 04030201 15 0003f40a 1a 930b";

    private final TunnelFrameCodec.Decoder decoder = new TunnelFrameCodec.Decoder(MAX_FRAME_LENGTH);

    @ParameterizedTest
    @ValueSource(ints = {1, 127, 128, 1427, 16383, 16384})
    void shouldBeParsedByTheGeneratedClassesBitForBit(final int frameLength) throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(frameLength, frameLength);
        final byte[] encoded = encode(NETWORK_ID, SOURCE_NODE, frame);

        final TunnelFrame parsed = TunnelFrame.parseFrom(encoded);

        assertThat(parsed.getNetworkId()).isEqualTo(NETWORK_ID);
        assertThat(parsed.getSourceNode()).isEqualTo(SOURCE_NODE);
        assertThat(parsed.getFrame().toByteArray()).isEqualTo(frame);
        assertThat(parsed.getUnknownFields().asMap()).isEmpty();
        assertThat(encoded).isEqualTo(TunnelFrame.newBuilder()
            .setNetworkId(NETWORK_ID)
            .setSourceNode(SOURCE_NODE)
            .setFrame(ByteString.copyFrom(frame))
            .build()
            .toByteArray());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 128, 1427})
    void shouldCarryATraceIdThatTheGeneratedClassesReadAndWriteTheSame(final int frameLength) throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(frameLength, frameLength + 2);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[frameLength + 32]);
        final int encoded = TunnelFrameCodec.encode(buffer, 0, buffer.capacity(), NETWORK_ID, SOURCE_NODE,
            new UnsafeBuffer(frame), 0, frame.length, 0x7E57_1D01);
        final byte[] bytes = Arrays.copyOf(buffer.byteArray(), encoded);

        final TunnelFrame generated = TunnelFrame.newBuilder().setNetworkId(NETWORK_ID).setSourceNode(SOURCE_NODE)
            .setFrame(ByteString.copyFrom(frame)).setTraceId(0x7E57_1D01).build();

        assertThat(encoded).isEqualTo(TunnelFrameCodec.envelopeLength(frameLength) + frameLength + TunnelFrameCodec.TRACE_ID_LENGTH);
        assertThat(TunnelFrame.parseFrom(bytes)).isEqualTo(generated);
        assertThat(bytes).isEqualTo(generated.toByteArray());
        assertThat(decoder.decode(new UnsafeBuffer(generated.toByteArray()), 0, bytes.length)).isEqualTo(TunnelError.NONE);
        assertThat(decoder.traceId()).isEqualTo(0x7E57_1D01);
        assertThat(decoder.frameLength()).isEqualTo(frameLength);
    }

    @Test
    void shouldLeaveTheTraceIdOutOfAnUntracedFrameAndRefuseATracedOneThatDoesNotFit()
    {
        final byte[] frame = randomBytes(100, 3);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[TunnelFrameCodec.envelopeLength(100) + 100 + 4]);

        assertThat(TunnelFrameCodec.encode(buffer, 0, buffer.capacity(), NETWORK_ID, SOURCE_NODE, new UnsafeBuffer(frame), 0, 100, 0))
            .isEqualTo(TunnelFrameCodec.envelopeLength(100) + 100);
        assertThat(decoder.decode(buffer, 0, TunnelFrameCodec.envelopeLength(100) + 100)).isEqualTo(TunnelError.NONE);
        assertThat(decoder.traceId()).isZero();
        assertThat(TunnelFrameCodec.encode(buffer, 0, buffer.capacity(), NETWORK_ID, SOURCE_NODE, new UnsafeBuffer(frame), 0, 100, 9))
            .as("4 bytes short of the trace id").isEqualTo(-1);
    }

    @Test
    void shouldWriteGoldenHeaderAndReturnWhereTheFrameGoes()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);

        final int frameIndex = TunnelFrameCodec.encodeHeader(buffer, 3, NETWORK_ID, SOURCE_NODE, 1427);

        assertThat(frameIndex).isEqualTo(3 + 13);
        assertThat(Arrays.copyOfRange(buffer.byteArray(), 3, frameIndex)).isEqualTo(hex(HEADER_1427));
        assertThat(buffer.getByte(2)).isZero();
        assertThat(buffer.getByte(frameIndex)).isZero();
    }

    @Test
    void shouldKeepTheFixedEnvelopeWhenIdsAreZeroWhichTheGeneratedClassesOmit() throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(1427, 7);
        final byte[] encoded = encode(0, 0, frame);

        final TunnelFrame parsed = TunnelFrame.parseFrom(encoded);
        final byte[] generated = TunnelFrame.newBuilder().setFrame(ByteString.copyFrom(frame)).build().toByteArray();

        assertThat(encoded).hasSize(TunnelFrameCodec.MAX_ENVELOPE_LENGTH_16K + frame.length);
        assertThat(parsed.getNetworkId()).isZero();
        assertThat(parsed.getSourceNode()).isZero();
        assertThat(parsed.getFrame().toByteArray()).isEqualTo(frame);
        assertThat(generated).hasSize(3 + frame.length);
        assertThat(Arrays.copyOfRange(encoded, 10, encoded.length)).isEqualTo(generated);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 127, 128, 1427, 16383, 16384})
    void shouldDecodeWhatTheGeneratedClassesWrite(final int frameLength)
    {
        final byte[] frame = randomBytes(frameLength, frameLength + 1);
        final byte[] generated = TunnelFrame.newBuilder()
            .setNetworkId(NETWORK_ID)
            .setSourceNode(SOURCE_NODE)
            .setFrame(ByteString.copyFrom(frame))
            .build()
            .toByteArray();

        assertDecodes(generated, NETWORK_ID, SOURCE_NODE, frame);
    }

    @Test
    void shouldDecodeZeroIdsThatTheGeneratedClassesOmit()
    {
        final byte[] frame = randomBytes(60, 1);

        assertDecodes(
            TunnelFrame.newBuilder().setFrame(ByteString.copyFrom(frame)).build().toByteArray(), 0, 0, frame);
        assertDecodes(
            TunnelFrame.newBuilder().setSourceNode(SOURCE_NODE).setFrame(ByteString.copyFrom(frame)).build()
                .toByteArray(),
            0, SOURCE_NODE, frame);
        assertDecodes(
            TunnelFrame.newBuilder().setNetworkId(-1).setFrame(ByteString.copyFrom(frame)).build().toByteArray(),
            -1, 0, frame);
    }

    @Test
    void shouldSkipUnknownFieldsOfEveryWireTypeAddedThroughUnknownFieldSet() throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(1427, 2);
        final UnknownFieldSet unknown = UnknownFieldSet.newBuilder()
            .addField(8, UnknownFieldSet.Field.newBuilder().addVarint(Long.MIN_VALUE).addVarint(1).build())
            .addField(5, UnknownFieldSet.Field.newBuilder().addFixed64(-1L).build())
            .addField(6, UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFrom(randomBytes(300, 3)))
                .addLengthDelimited(ByteString.EMPTY)
                .build())
            .addField(7, UnknownFieldSet.Field.newBuilder().addFixed32(0xCAFE_BABE).build())
            .addField(536_870_911, UnknownFieldSet.Field.newBuilder().addVarint(42).build())
            .build();
        final byte[] generated = TunnelFrame.newBuilder()
            .setNetworkId(NETWORK_ID)
            .setSourceNode(SOURCE_NODE)
            .setFrame(ByteString.copyFrom(frame))
            .setUnknownFields(unknown)
            .build()
            .toByteArray();

        assertThat(TunnelFrame.parseFrom(generated).getUnknownFields()).isEqualTo(unknown);
        assertDecodes(generated, NETWORK_ID, SOURCE_NODE, frame);
    }

    @Test
    void shouldSkipUnknownFieldsBeforeBetweenAndAfterTheKnownOnes() throws IOException
    {
        final byte[] frame = randomBytes(200, 4);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeUInt64(9, 300);
        out.writeFixed32(13, 5);
        out.writeFixed32(1, NETWORK_ID);
        out.writeBytes(10, ByteString.copyFrom(randomBytes(20, 5)));
        out.writeFixed32(2, SOURCE_NODE);
        out.writeFixed64(11, 7L);
        out.writeBytes(3, ByteString.copyFrom(frame));
        out.writeSInt32(12, -1);
        out.flush();
        final byte[] message = bytes.toByteArray();

        final TunnelFrame parsed = TunnelFrame.parseFrom(message);
        assertThat(parsed.getUnknownFields().asMap()).containsOnlyKeys(9, 10, 11, 12, 13);
        assertDecodes(message, parsed.getNetworkId(), parsed.getSourceNode(), parsed.getFrame().toByteArray());
        assertDecodes(message, NETWORK_ID, SOURCE_NODE, frame);
    }

    @Test
    void shouldSkipUnknownFieldsAppendedAsRawBytes() throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(1427, 6);
        final byte[] generated = encode(NETWORK_ID, SOURCE_NODE, frame);
        // field 15 varint 150 (non-canonical 10-byte varint), field 16 fixed32, field 17 "abc"
        final byte[] raw = hex("78 9681808080808080 8000 8501 01020304 8a01 03 616263");
        final byte[] message = concat(raw, generated, raw);

        final TunnelFrame parsed = TunnelFrame.parseFrom(message);
        assertThat(parsed.getUnknownFields().getField(15).getVarintList()).containsExactly(150L, 150L);
        assertDecodes(message, NETWORK_ID, SOURCE_NODE, frame);
    }

    @Test
    void shouldDecodeFieldsInAnyOrder() throws IOException
    {
        final byte[] frame = randomBytes(128, 8);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        out.writeBytes(3, ByteString.copyFrom(frame));
        out.writeFixed32(2, SOURCE_NODE);
        out.writeFixed32(1, NETWORK_ID);
        out.flush();

        assertThat(TunnelFrame.parseFrom(bytes.toByteArray()).getFrame().toByteArray()).isEqualTo(frame);
        assertDecodes(bytes.toByteArray(), NETWORK_ID, SOURCE_NODE, frame);
    }

    @Test
    void shouldLetTheLastOccurrenceOfARepeatedFieldWinAsTheGeneratedParserDoes() throws InvalidProtocolBufferException
    {
        final byte[] first = randomBytes(1427, 9);
        final byte[] second = randomBytes(100, 10);
        // concatenating two messages merges them: scalars and the bytes field are replaced, zero ids are omitted
        final byte[] message = concat(
            encode(NETWORK_ID, SOURCE_NODE, first),
            TunnelFrame.newBuilder().setNetworkId(77).setFrame(ByteString.copyFrom(second)).build().toByteArray());

        final TunnelFrame parsed = TunnelFrame.parseFrom(message);

        assertThat(parsed.getNetworkId()).isEqualTo(77);
        assertThat(parsed.getSourceNode()).isEqualTo(SOURCE_NODE);
        assertThat(parsed.getFrame().toByteArray()).isEqualTo(second);
        assertDecodes(message, 77, SOURCE_NODE, second);
    }

    @Test
    void shouldReportTheFrameOffsetAsAnAbsoluteIndexAndReadNothingOutsideTheMessage()
    {
        final byte[] frame = randomBytes(1427, 11);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[2048]);
        buffer.setMemory(0, buffer.capacity(), (byte)0x1A);
        final UnsafeBuffer source = new UnsafeBuffer(frame);

        final int length = TunnelFrameCodec.encode(
            buffer, 101, buffer.capacity() - 101, NETWORK_ID, SOURCE_NODE, source, 0, frame.length);

        assertThat(length).isEqualTo(13 + 1427);
        assertThat(decoder.decode(buffer, 101, length)).isEqualTo(TunnelError.NONE);
        assertThat(decoder.networkId()).isEqualTo(NETWORK_ID);
        assertThat(decoder.sourceNode()).isEqualTo(SOURCE_NODE);
        assertThat(decoder.frameOffset()).isEqualTo(101 + 13);
        assertThat(decoder.frameLength()).isEqualTo(1427);
        final byte[] decodedFrame = new byte[decoder.frameLength()];
        buffer.getBytes(decoder.frameOffset(), decodedFrame);
        assertThat(decodedFrame).isEqualTo(frame);
    }

    @Test
    void shouldCopyAFrameFromAnOffsetInItsBuffer() throws InvalidProtocolBufferException
    {
        final byte[] frame = randomBytes(300, 12);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[400]);

        final int length = TunnelFrameCodec.encode(
            dst, 0, dst.capacity(), NETWORK_ID, SOURCE_NODE, new UnsafeBuffer(frame), 50, 100);

        final TunnelFrame parsed = TunnelFrame.parseFrom(Arrays.copyOf(dst.byteArray(), length));
        assertThat(parsed.getFrame().toByteArray()).isEqualTo(Arrays.copyOfRange(frame, 50, 150));
    }

    @Test
    void shouldRefuseToEncodeAFrameThatDoesNotFitAndWriteNothing()
    {
        final byte[] frame = randomBytes(1427, 13);
        final UnsafeBuffer dst = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer source = new UnsafeBuffer(frame);

        assertThat(TunnelFrameCodec.encode(dst, 5, 1439, NETWORK_ID, SOURCE_NODE, source, 0, 1427)).isEqualTo(-1);
        assertThat(TunnelFrameCodec.encode(dst, 5, -1, NETWORK_ID, SOURCE_NODE, source, 0, 1427)).isEqualTo(-1);
        assertThat(TunnelFrameCodec.encode(dst, 5, 2000, NETWORK_ID, SOURCE_NODE, source, 0, -1)).isEqualTo(-1);
        assertThat(TunnelFrameCodec.encode(dst, 5, 100, NETWORK_ID, SOURCE_NODE, source, 0, Integer.MAX_VALUE))
            .isEqualTo(-1);
        assertThat(dst.byteArray()).containsOnly(0);

        assertThat(TunnelFrameCodec.encode(dst, 5, 1440, NETWORK_ID, SOURCE_NODE, source, 0, 1427)).isEqualTo(1440);
    }

    @Test
    void shouldComputeEnvelopeLengthFromTheVarintSizeOfTheFrameLength()
    {
        assertThat(TunnelFrameCodec.envelopeLength(1427)).isEqualTo(13);
        assertThat(TunnelFrameCodec.envelopeLength(127)).isEqualTo(12);
        assertThat(TunnelFrameCodec.envelopeLength(16384)).isEqualTo(14);
        assertThat(TunnelFrameCodec.envelopeLength(0)).isEqualTo(12);
        assertThat(TunnelFrameCodec.envelopeLength(128)).isEqualTo(13);
        assertThat(TunnelFrameCodec.envelopeLength(16383)).isEqualTo(TunnelFrameCodec.MAX_ENVELOPE_LENGTH_16K);
        assertThat(TunnelFrameCodec.envelopeLength(2_097_152)).isEqualTo(15);
        assertThat(TunnelFrameCodec.envelopeLength(Integer.MAX_VALUE)).isEqualTo(16);
        assertThat(TunnelFrameCodec.MAX_ENVELOPE_LENGTH_16K).isEqualTo(13);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 1427, 16383, 16384, 2_097_151, 2_097_152, 268_435_455, 268_435_456})
    void shouldAgreeWithTheGeneratedClassesOnTheEnvelopeLength(final int frameLength)
    {
        assertThat(TunnelFrameCodec.envelopeLength(frameLength)).isEqualTo(
            CodedOutputStream.computeFixed32Size(1, 1) +
            CodedOutputStream.computeFixed32Size(2, 1) +
            CodedOutputStream.computeTagSize(3) +
            CodedOutputStream.computeUInt32SizeNoTag(frameLength));
    }

    @Test
    void shouldUseTheProtobufTags()
    {
        assertThat(TunnelFrameCodec.NETWORK_ID_TAG).isEqualTo(0x0D);
        assertThat(TunnelFrameCodec.SOURCE_NODE_TAG).isEqualTo(0x15);
        assertThat(TunnelFrameCodec.FRAME_TAG).isEqualTo(0x1A);
    }

    @Test
    void shouldReportTruncatedWhenAnythingRunsPastTheEndAsTheGeneratedParserRefusesToo()
    {
        assertError("0d 010203", TunnelError.TRUNCATED);
        assertError("1a 0b 0001 0203", TunnelError.TRUNCATED);
        assertError("1a", TunnelError.TRUNCATED);
        assertError("1a 93", TunnelError.TRUNCATED);
        assertError("1a 01 ff 80", TunnelError.TRUNCATED);
        assertError("1a 01 ff 15 0003f4", TunnelError.TRUNCATED);
        assertError("1a ffffffff07 00", TunnelError.TRUNCATED);
        assertError("1a 01 ff 29 01020304050607", TunnelError.TRUNCATED);
        assertError("1a 01 ff 28 80", TunnelError.TRUNCATED);
        assertError("1a 01 ff 2a 05 00", TunnelError.TRUNCATED);
        assertError("1a 01 ff 2d 0102", TunnelError.TRUNCATED);
    }

    @Test
    void shouldReportMalformedForInvalidEncodingsThatTheGeneratedParserRefusesToo()
    {
        assertError("00", TunnelError.MALFORMED);
        assertError("1a 01 ff 02 00", TunnelError.MALFORMED);
        assertError("1a 01 ff 24", TunnelError.MALFORMED);
        assertError("1a 01 ff 26", TunnelError.MALFORMED);
        assertError("1a 01 ff 27 00", TunnelError.MALFORMED);
        assertError("0e", TunnelError.MALFORMED);
        assertError("1a 01 ff 28 8080808080808080 808001", TunnelError.MALFORMED);
        assertError("9a80808080808080 808000 01 ff", TunnelError.MALFORMED);
        assertError("1a 8080808008 00", TunnelError.MALFORMED);
    }

    @Test
    void shouldReportMalformedForGroupsAndHugeLengthsThatTheGeneratedParserWouldSkip()
        throws InvalidProtocolBufferException
    {
        final String[] messages = {
            "1a 01 ff 0b 0c",                    // an empty group numbered like network_id
            "1a 01 ff 23 2d 01020304 24",        // a group, field 4, holding a fixed32 field 5
            "2a 8080808010 1a 01 ff",            // field 5 of length 2^32, which protobuf-java reads as 0
        };

        for (final String message : messages)
        {
            assertThat(TunnelFrame.parseFrom(hex(message)).getFrame().toByteArray()).as(message).containsExactly(0xFF);
            assertDecodeError(message, TunnelError.MALFORMED);
        }
    }

    @Test
    void shouldAcceptTheLongestVarintsThatProtobufJavaAccepts() throws InvalidProtocolBufferException
    {
        // a 10-byte tag for field 3 and a 10-byte length of 1; field 4 varint of 10 bytes
        final String message = "9a80808080808080 8000 8180808080808080 8000 ff 28 ffffffffffffffffff01";

        assertThat(TunnelFrame.parseFrom(hex(message)).getFrame().toByteArray()).containsExactly(0xFF);
        assertDecodes(hex(message), 0, 0, new byte[]{ (byte)0xFF });
    }

    @Test
    void shouldDropAKnownFieldWithTheWrongWireTypeWhichTheGeneratedParserWouldSkip()
        throws InvalidProtocolBufferException
    {
        final String[] messages = {
            "08 01 1a 01 ff",
            "11 0102030405060708 1a 01 ff",
            "0a 00 1a 01 ff",
            "1a 01 ff 12 01 ff",
            "1d 01020304",
            "1a 01 ff 18 05",
        };

        for (final String message : messages)
        {
            final TunnelFrame parsed = TunnelFrame.parseFrom(hex(message));
            assertThat(parsed.getUnknownFields().asMap()).as(message).isNotEmpty();
            assertDecodeError(message, TunnelError.WRONG_WIRE_TYPE);
        }
    }

    @Test
    void shouldReportMissingFrameWhenTheFrameIsAbsentOrEmpty()
    {
        assertDecodeError("", TunnelError.MISSING_FRAME);
        assertDecodeError("0d 04030201 15 0003f40a", TunnelError.MISSING_FRAME);
        assertDecodeError("0d 04030201 15 0003f40a 1a 00", TunnelError.MISSING_FRAME);
        assertDecodeError("1a 02 ffff 28 01 1a 00", TunnelError.MISSING_FRAME);
    }

    @Test
    void shouldReportFrameTooLargeForTheLastFrameOnly()
    {
        final TunnelFrameCodec.Decoder smallDecoder = new TunnelFrameCodec.Decoder(2);

        assertThat(smallDecoder.decode(bytes("1a 03 010203"), 0, 5)).isEqualTo(TunnelError.FRAME_TOO_LARGE);
        assertThat(smallDecoder.decode(bytes("1a 02 0102"), 0, 4)).isEqualTo(TunnelError.NONE);
        assertThat(smallDecoder.decode(bytes("1a 03 010203 1a 01 ff"), 0, 8)).isEqualTo(TunnelError.NONE);
        assertThat(smallDecoder.frameOffset()).isEqualTo(7);
        assertThat(smallDecoder.frameLength()).isEqualTo(1);
        assertThat(smallDecoder.decode(bytes("1a 01 ff 1a 03 010203"), 0, 8)).isEqualTo(TunnelError.FRAME_TOO_LARGE);
    }

    @Test
    void shouldReadZeroesAfterAnError()
    {
        final UnsafeBuffer buffer = bytes(HEADER_1427);
        final UnsafeBuffer good = bytes("0d 04030201 15 0003f40a 1a 01 ff");
        assertThat(decoder.decode(good, 0, good.capacity())).isEqualTo(TunnelError.NONE);

        assertThat(decoder.decode(buffer, 2, buffer.capacity() - 2)).isNotEqualTo(TunnelError.NONE);

        assertThat(decoder.networkId()).isZero();
        assertThat(decoder.sourceNode()).isZero();
        assertThat(decoder.frameOffset()).isEqualTo(2);
        assertThat(decoder.frameLength()).isZero();
    }

    @Test
    void shouldRefuseANonPositiveMaximumFrameLength()
    {
        assertThatThrownBy(() -> new TunnelFrameCodec.Decoder(0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("maxFrameLength: 0 (expected: 1+)");
    }

    @Test
    void shouldLabelErrorsInKebabCaseWithTunnelPrefix()
    {
        assertThat(TunnelError.NONE.label()).isEqualTo("none");
        assertThat(TunnelError.TRUNCATED.label()).isEqualTo("tunnel-truncated");
        assertThat(TunnelError.MALFORMED.label()).isEqualTo("tunnel-malformed");
        assertThat(TunnelError.WRONG_WIRE_TYPE.label()).isEqualTo("tunnel-wrong-wire-type");
        assertThat(TunnelError.MISSING_FRAME.label()).isEqualTo("tunnel-missing-frame");
        assertThat(TunnelError.FRAME_TOO_LARGE.label()).isEqualTo("tunnel-frame-too-large");
    }

    @ParameterizedTest
    @EnumSource(TunnelError.class)
    void shouldDeriveEachLabelFromTheName(final TunnelError error)
    {
        final String kebab = error.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');

        assertThat(error.label()).isEqualTo(TunnelError.NONE == error ? kebab : "tunnel-" + kebab);
    }

    @Test
    void shouldNotAllocateWhenEncodingAndDecoding()
    {
        final int iterations = 100_000;
        final UnsafeBuffer frame = new UnsafeBuffer(randomBytes(1427, 14));
        final UnsafeBuffer message = new UnsafeBuffer(new byte[2048]);
        final UnsafeBuffer malformed = bytes("1a 01 ff 27 00 0d 01");

        final long[] checksum = new long[1];
        final long allocated = AllocationMeter.quietestRound(
            () -> checksum[0] += encodeAndDecode(iterations, frame, message, malformed), 2, 4);

        assertThat(checksum[0]).isNotZero();
        assertThat(allocated).as("bytes allocated in the quietest round of %d iterations", iterations).isLessThan(1024);
    }

    private long encodeAndDecode(
        final int iterations, final UnsafeBuffer frame, final UnsafeBuffer message, final UnsafeBuffer malformed)
    {
        long result = 0;
        for (int i = 0; i < iterations; i++)
        {
            final int length = TunnelFrameCodec.encode(
                message, 0, message.capacity(), NETWORK_ID + i, SOURCE_NODE, frame, 0, frame.capacity());
            result += decoder.decode(message, 0, length).ordinal();
            result += decoder.networkId() + decoder.sourceNode() + decoder.frameOffset() + decoder.frameLength();
            result += decoder.decode(malformed, 0, malformed.capacity()).ordinal();
            result += decoder.decode(message, 0, length - 1).ordinal();
        }

        return result;
    }

    private void assertDecodes(final byte[] message, final int networkId, final int sourceNode, final byte[] frame)
    {
        final int prefix = 5;
        final byte[] padded = new byte[prefix + message.length];
        Arrays.fill(padded, 0, prefix, (byte)0x1A);
        System.arraycopy(message, 0, padded, prefix, message.length);
        final UnsafeBuffer buffer = new UnsafeBuffer(padded);

        assertThat(decoder.decode(buffer, prefix, message.length)).isEqualTo(TunnelError.NONE);
        assertThat(decoder.networkId()).isEqualTo(networkId);
        assertThat(decoder.sourceNode()).isEqualTo(sourceNode);
        assertThat(Arrays.copyOfRange(padded, decoder.frameOffset(), decoder.frameOffset() + decoder.frameLength()))
            .isEqualTo(frame);
    }

    private void assertDecodeError(final String message, final TunnelError expected)
    {
        final byte[] bytes = hex(message);

        assertThat(decoder.decode(new UnsafeBuffer(bytes), 0, bytes.length)).as(message).isEqualTo(expected);
    }

    private void assertError(final String message, final TunnelError expected)
    {
        final byte[] bytes = hex(message);

        assertDecodeError(message, expected);
        assertThatThrownBy(() -> TunnelFrame.parseFrom(bytes))
            .as("the generated parser refuses %s too", message)
            .isInstanceOf(InvalidProtocolBufferException.class);
    }

    static byte[] encode(final int networkId, final int sourceNode, final byte[] frame)
    {
        final int capacity = TunnelFrameCodec.envelopeLength(frame.length) + frame.length;
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[capacity]);
        final int length = TunnelFrameCodec.encode(
            buffer, 0, buffer.capacity(), networkId, sourceNode, new UnsafeBuffer(frame), 0, frame.length);
        assertThat(length).isEqualTo(buffer.capacity());

        return buffer.byteArray();
    }

    static byte[] randomBytes(final int length, final long seed)
    {
        final byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);

        return bytes;
    }

    private static byte[] concat(final byte[]... parts)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (final byte[] part : parts)
        {
            out.writeBytes(part);
        }

        return out.toByteArray();
    }

    private static byte[] hex(final String hex)
    {
        return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
    }

    private static UnsafeBuffer bytes(final String hex)
    {
        return new UnsafeBuffer(hex(hex));
    }
}
