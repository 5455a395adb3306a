package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code podnetctl curl POD URL}: an HTTP GET from a pod, like {@code curl URL} run inside it. The body goes to
 * stdout as it came; {@code -i} puts the status line and headers before it, {@code -v} prints them and the timings
 * on stderr. No response at all (a refused or reset connection, an unreachable host, the timeout) is the operation
 * failing: exit 1, as curl exits non-zero. Like curl, an HTTP error status is still a response (exit 0) unless
 * {@code -f}.
 */
@Command(
    name = "curl",
    mixinStandardHelpOptions = true,
    description = {"GETs a URL from a pod, like curl run inside it, and prints the body.",
        "The URL's host is a pod name or an IPv4 address; every pod serves netexec over HTTP on port 8080 " +
            "(/hostname, /clientip, /echo?msg=TEXT). Exit code 1 when no response came (connection refused or reset, " +
            "host unreachable, timeout), or with -f on a status of 400 or more."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  podnetctl curl a1 http://b1:8080/hostname            # b1",
        "  podnetctl curl a1 http://b1:8080/clientip            # 10.244.0.2:40001: the caller's own address",
        "  podnetctl curl a1 'http://10.244.1.2:8080/echo?msg=hi'",
        "  podnetctl curl a1 http://b1:81/ -v                   # connection refused, exit 1",
        "  podnetctl curl a1 http://b1:8080/hostname -o json    # status, headers, body, timings"})
final class CurlCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "POD", description = "the pod that asks")
    String pod;

    @Parameters(index = "1", paramLabel = "URL", description = "http://POD_OR_IP[:PORT]/PATH (port 80 when left out)")
    String url;

    @Option(names = {"-m", "--max-time"}, paramLabel = "SECONDS", description = "give up after this long (default 10)")
    Double maxTime;

    @Option(names = {"-i", "--include"}, description = "print the status line and headers before the body")
    boolean include;

    @Option(names = {"-v", "--verbose"}, description = "print the status line, headers and timings on stderr")
    boolean verbose;

    @Option(names = {"-f", "--fail"}, description = "exit 1 on an HTTP status of 400 or more, printing no body")
    boolean fail;

    @Option(names = "-o", paramLabel = "json", description = "json: the API's answer (status, headers, body, timings)")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("url", url);
        putMillis(body, "timeoutMs", "-m", maxTime, 1);
        final int timeoutMs = (int)body.getOrDefault("timeoutMs", 10_000);
        final ApiClient.Reply reply = api().send("POST", "/api/v1/pods/" + ApiClient.segment(pod) + "/http", body,
            Duration.ofMillis(timeoutMs).plus(ApiClient.GRACE));
        if ((reply.status() == 504 && "timeout".equals(reply.error())) ||
            (reply.status() == 502 && !"node-unreachable".equals(reply.error())))
        {
            throw CtlException.failed(reply.detail());
        }
        final JsonNode answer = ApiClient.require(reply);
        final int status = answer.path("status").asInt();
        if (format == Output.Format.JSON)
        {
            printJson(answer);
            return fail && status >= 400 ? PodnetCtl.EXIT_FAILED : PodnetCtl.EXIT_OK;
        }
        if (verbose)
        {
            err().print(head(answer));
            final JsonNode timings = answer.path("timings");
            err().printf(Locale.ROOT, "* from port %d to %s: connect %.3f ms, first byte %.3f ms, total %.3f ms%n",
                answer.path("localPort").asInt(), Output.text(answer, "server"), timings.path("connectUs").asLong() / 1e3,
                timings.path("firstByteUs").asLong() / 1e3, timings.path("totalUs").asLong() / 1e3);
        }
        if (fail && status >= 400)
        {
            throw CtlException.failed("the requested URL returned error: " + status);
        }
        if (include)
        {
            out().print(head(answer));
        }
        out().print(Output.text(answer, "body"));
        return PodnetCtl.EXIT_OK;
    }

    /** The status line and headers as they came, then an empty line (what curl -i prints). */
    private static String head(final JsonNode answer)
    {
        final StringBuilder text = new StringBuilder()
            .append(Output.text(answer, "version")).append(' ').append(answer.path("status").asInt()).append(' ')
            .append(Output.text(answer, "reason")).append("\r\n");
        for (final JsonNode header : answer.path("headers"))
        {
            text.append(Output.text(header, "name")).append(": ").append(Output.text(header, "value")).append("\r\n");
        }
        return text.append("\r\n").toString();
    }
}
