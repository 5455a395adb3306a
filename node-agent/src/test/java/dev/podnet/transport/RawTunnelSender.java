package dev.podnet.transport;

import io.aeron.Aeron;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.ExclusivePublication;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.fail;

/**
 * A stranger on the underlay: its own Aeron media driver and a publication to a node's tunnel port,
 * sending whatever bytes a test makes up.
 */
final class RawTunnelSender implements AutoCloseable
{
    private final MediaDriver driver;
    private final Aeron aeron;
    private final ExclusivePublication publication;

    RawTunnelSender(final int port)
    {
        final String dir = new File(System.getProperty("java.io.tmpdir"),
            "podnet-raw-" + Integer.toHexString(ThreadLocalRandom.current().nextInt())).getPath();
        driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(1, 1, 1_000, 1_000_000))
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .termBufferSparseFile(false)
            .publicationTermBufferLength(256 * 1024));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(dir));
        publication = aeron.addExclusivePublication(new ChannelUriStringBuilder()
            .media("udp").endpoint("127.0.0.1:" + port).mtu(1472).termLength(256 * 1024).build(), AeronTunnel.STREAM_ID);
        OverlayCluster.awaitCondition(publication::isConnected, Duration.ofSeconds(10), "raw publication connected");
    }

    void send(final byte[] message)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(message);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (publication.offer(buffer, 0, message.length) < 0)
        {
            if (System.nanoTime() > deadline)
            {
                fail("could not send a raw tunnel message within 5 s");
            }
            Thread.onSpinWait();
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietCloseAll(publication, aeron, driver);
    }
}
