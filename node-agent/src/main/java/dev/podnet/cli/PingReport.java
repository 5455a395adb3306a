package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A ping result of the API ({@code {target, targetIp, sent, received, replies, errors}}) as iputils
 * {@code ping} prints it, so that what people already parse and eyeball keeps working:
 * <pre>
 * PING b-1 (10.244.1.2) 56(84) bytes of data.
 * 64 bytes from 10.244.1.2: icmp_seq=1 ttl=62 time=0.287 ms
 * From 10.244.0.1 icmp_seq=2 Destination Net Unreachable
 *
 * --- b-1 ping statistics ---
 * 2 packets transmitted, 1 received, +1 errors, 50% packet loss
 * rtt min/avg/max/mdev = 0.287/0.287/0.287/0.000 ms
 * </pre>
 * The numbers follow iputils exactly: times with 3 to 0 decimals by magnitude, the average and mdev
 * in integer microseconds ({@code mdev = sqrt(mean(rtt²) - mean(rtt)²)}), loss with up to 6
 * significant digits ({@code %g}). A timeout prints no line of its own (iputils without {@code -O});
 * iputils' {@code time} field is left out: the request ran on the agent, the CLI cannot tell it.
 */
final class PingReport
{
    /** IPv4 header (20) + ICMP header (8): what iputils adds to the payload size in its first line. */
    static final int IP_ICMP_HEADERS = 28;
    static final int ICMP_HEADER = 8;

    private PingReport()
    {
    }

    /**
     * @param ping the API's answer
     * @param size the payload size that was asked for (the answer does not repeat it)
     */
    static List<String> lines(final JsonNode ping, final int size)
    {
        final String target = ping.path("target").asText();
        final String targetIp = ping.path("targetIp").asText();
        final List<String> lines = new ArrayList<>();
        lines.add("PING " + target + " (" + targetIp + ") " + size + "(" + (size + IP_ICMP_HEADERS) + ") bytes of data.");

        final List<Event> events = new ArrayList<>();
        final List<Long> rtts = new ArrayList<>();
        for (final JsonNode reply : ping.path("replies"))
        {
            final long rttUs = reply.path("rttUs").asLong();
            rtts.add(rttUs);
            events.add(new Event(reply.path("seq").asInt(), (size + ICMP_HEADER) + " bytes from " + reply.path("from").asText() +
                ": icmp_seq=" + reply.path("seq").asInt() + " ttl=" + reply.path("ttl").asInt() + " time=" + millis(rttUs) + " ms"));
        }
        int errors = 0;
        for (final JsonNode error : ping.path("errors"))
        {
            final String type = error.path("type").asText();
            if ("timeout".equals(type))
            {
                continue;
            }
            errors++;
            final String from = error.path("from").asText("");
            events.add(new Event(error.path("seq").asInt(), "From " + (from.isEmpty() ? "?" : from) + " icmp_seq=" +
                error.path("seq").asInt() + " " + describe(type, error.path("mtu").asInt())));
        }
        events.sort(Comparator.comparingInt(Event::seq));
        events.forEach(event -> lines.add(event.line()));

        final int sent = ping.path("sent").asInt();
        final int received = ping.path("received").asInt();
        lines.add("");
        lines.add("--- " + target + " ping statistics ---");
        lines.add(sent + " packets transmitted, " + received + " received, " + (errors > 0 ? "+" + errors + " errors, " : "") +
            loss(sent, received) + " packet loss");
        if (!rtts.isEmpty())
        {
            lines.add(rttSummary(rtts));
        }
        return lines;
    }

    /** One ICMP error as iputils words it. */
    static String describe(final String type, final int mtu)
    {
        switch (type)
        {
            case "net-unreachable":
                return "Destination Net Unreachable";
            case "host-unreachable":
                return "Destination Host Unreachable";
            case "protocol-unreachable":
                return "Destination Protocol Unreachable";
            case "port-unreachable":
                return "Destination Port Unreachable";
            case "frag-needed":
                return "Frag needed and DF set (mtu = " + mtu + ")";
            case "time-exceeded":
                return "Time to live exceeded";
            case "reassembly-time-exceeded":
                return "Frag reassembly time exceeded";
            default:
                return type;
        }
    }

    /** A round trip as iputils prints it per reply: 0.287, 1.23, 12.3, 123 (ms, rounded). */
    static String millis(final long us)
    {
        if (us >= 100_000 - 50)
        {
            return Long.toString((us + 500) / 1_000);
        }
        if (us >= 10_000 - 5)
        {
            return (us + 50) / 1_000 + "." + ((us + 50) % 1_000) / 100;
        }
        if (us >= 1_000)
        {
            return (us + 5) / 1_000 + "." + String.format("%02d", ((us + 5) % 1_000) / 10);
        }
        return us / 1_000 + "." + String.format("%03d", us % 1_000);
    }

    /** Packet loss as iputils prints it ({@code %g%%}): 0%, 100%, 33.3333%. */
    static String loss(final int sent, final int received)
    {
        if (sent == 0)
        {
            return "0%";
        }
        final BigDecimal percent = BigDecimal.valueOf((sent - received) * 100.0 / sent).round(new MathContext(6));
        return percent.stripTrailingZeros().toPlainString() + "%";
    }

    /** {@code rtt min/avg/max/mdev = 0.210/0.287/0.400/0.077 ms}, computed in microseconds as iputils does. */
    static String rttSummary(final List<Long> rttsUs)
    {
        long min = Long.MAX_VALUE;
        long max = 0;
        long sum = 0;
        long sumOfSquares = 0;
        for (final long rtt : rttsUs)
        {
            min = Math.min(min, rtt);
            max = Math.max(max, rtt);
            sum += rtt;
            sumOfSquares += rtt * rtt;
        }
        final long n = rttsUs.size();
        final long avg = sum / n;
        final long variance = sumOfSquares / n - avg * avg;
        final long mdev = variance <= 0 ? 0 : (long)Math.sqrt((double)variance);
        return "rtt min/avg/max/mdev = " + threeDecimals(min) + "/" + threeDecimals(avg) + "/" + threeDecimals(max) + "/" +
            threeDecimals(mdev) + " ms";
    }

    private static String threeDecimals(final long us)
    {
        return us / 1_000 + "." + String.format("%03d", us % 1_000);
    }

    private record Event(int seq, String line)
    {
    }
}
