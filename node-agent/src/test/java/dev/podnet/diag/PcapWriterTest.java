package dev.podnet.diag;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PcapWriterTest
{
    private static final String GLOBAL_HEADER =
        "d4c3b2a1" + // magic 0xa1b2c3d4, little-endian
        "0200" +     // version major 2
        "0400" +     // version minor 4
        "00000000" + // thiszone 0
        "00000000" + // sigfigs 0
        "ffff0000" + // snaplen 65535
        "01000000";  // network 1, Ethernet

    @TempDir
    Path directory;

    @Test
    void shouldWriteGlobalHeaderAndTwoRecordsToFile() throws Exception
    {
        final Path file = directory.resolve("capture.pcap");
        final UnsafeBuffer frame = new UnsafeBuffer(HexFormat.of().parseHex("00ffffffffffff0a580af4010208060001"));

        try (PcapWriter writer = PcapWriter.open(file))
        {
            // 2023-11-14T22:13:20.123456789Z: 1700000000 s = 0x6553f100, 123456 us = 0x0001e240 (nanos dropped)
            writer.write(1_700_000_000_123_456_789L, frame, 1, 14);
            writer.write(1_700_000_001_000_000_999L, frame, 1, 16);
            assertThat(writer.packets()).isEqualTo(2);
        }

        final String expected = GLOBAL_HEADER +
            "00f15365" + "40e20100" + "0e000000" + "0e000000" + "ffffffffffff0a580af401020806" +
            "01f15365" + "00000000" + "10000000" + "10000000" + "ffffffffffff0a580af4010208060001";
        assertThat(HexFormat.of().formatHex(Files.readAllBytes(file))).isEqualTo(expected);
    }

    @Test
    void shouldWriteGlobalHeaderAtOnceAndRecordsOnFlush()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final PcapWriter writer = new PcapWriter(Channels.newChannel(out));

        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo(GLOBAL_HEADER);

        writer.write(0, new UnsafeBuffer(new byte[60]), 0, 60);
        writer.flush();

        assertThat(out.size()).isEqualTo(PcapWriter.GLOBAL_HEADER_LENGTH + PcapWriter.RECORD_HEADER_LENGTH + 60);
        assertThat(writer.packets()).isEqualTo(1);
        writer.close();
        writer.close();
        assertThatThrownBy(() -> writer.write(0, new UnsafeBuffer(new byte[60]), 0, 60))
            .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldCutFramesLongerThanSnaplenAndKeepOriginalLength()
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final byte[] jumbo = new byte[70_000];
        Arrays.fill(jumbo, (byte)0x5A);

        try (PcapWriter writer = new PcapWriter(Channels.newChannel(out)))
        {
            for (int i = 0; i < 5; i++)
            {
                writer.write(2_000_000_000L, new UnsafeBuffer(jumbo), 0, jumbo.length);
            }
        }

        final byte[] file = out.toByteArray();
        final int recordLength = PcapWriter.RECORD_HEADER_LENGTH + PcapWriter.SNAPLEN;
        assertThat(file).hasSize(PcapWriter.GLOBAL_HEADER_LENGTH + 5 * recordLength);
        for (int i = 0; i < 5; i++)
        {
            final int record = PcapWriter.GLOBAL_HEADER_LENGTH + i * recordLength;
            assertThat(HexFormat.of().formatHex(file, record, record + PcapWriter.RECORD_HEADER_LENGTH))
                .isEqualTo("02000000" + "00000000" + "ffff0000" + "70110100");
            assertThat(file[record + recordLength - 1]).isEqualTo((byte)0x5A);
        }
    }
}
