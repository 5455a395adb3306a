package dev.podnet.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.podnet.cli.Output.text;

/**
 * {@code podnetctl nslookup POD NAME}: a name looked up by a pod's own resolver (its search path and
 * ndots, over UDP to the cluster DNS), printed as nslookup prints it.
 */
@Command(
    name = "nslookup",
    mixinStandardHelpOptions = true,
    description = "Looks a name up from a pod, with the pod's resolv.conf (search NS.svc.cluster.local svc.cluster.local " +
        "cluster.local, ndots 5) and the cluster DNS Service; an IP is looked up in reverse (PTR). Exit 1 when it is not found.",
    footerHeading = "%nExamples:%n",
    footer = {"  podnetctl nslookup a1 web", "  podnetctl nslookup a1 web.shop", "  podnetctl nslookup a1 _http._udp.web --type SRV",
        "  podnetctl nslookup a1 10.96.0.10"})
final class NslookupCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "POD", description = "the pod whose resolver asks")
    String pod;

    @Parameters(index = "1", paramLabel = "NAME", description = "the name (or an IPv4 address, for its PTR)")
    String name;

    @Option(names = {"-t", "--type"}, paramLabel = "TYPE", description = "A (default), SRV, PTR, TXT, SOA, NS, AAAA or ANY")
    String type;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "json (the API's answer)")
    String output;

    @Override
    int run()
    {
        final Output.Format format = format(output, Output.Format.JSON);
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        if (type != null)
        {
            body.put("type", type);
        }
        final JsonNode lookup = api().post(podPath(pod) + "/nslookup", body, ApplyCommand.BOUND);
        final boolean found = lookup.path("error").isNull() || lookup.path("error").isMissingNode();
        print(format, lookup, answer ->
        {
            out().println("Server:\t\t" + text(answer, "server"));
            out().println("Address:\t" + text(answer, "server") + "#53");
            out().println();
            if (!found)
            {
                out().println("** server can't find " + name + ": " + text(answer, "error"));
                return;
            }
            for (final JsonNode record : answer.path("answers"))
            {
                final String owner = text(record, "name");
                final String shown = owner.endsWith(".") ? owner.substring(0, owner.length() - 1) : owner;
                switch (text(record, "type"))
                {
                    case "A":
                        out().println("Name:\t" + shown);
                        out().println("Address: " + text(record, "data"));
                        break;
                    case "PTR":
                        out().println(shown + "\tname = " + text(record, "data"));
                        break;
                    case "SRV":
                        out().println(shown + "\tservice = " + text(record, "data"));
                        break;
                    default:
                        out().println(shown + "\t" + text(record, "type").toLowerCase(java.util.Locale.ROOT) + " = " +
                            text(record, "data"));
                        break;
                }
            }
        });
        return found ? PodnetCtl.EXIT_OK : PodnetCtl.EXIT_FAILED;
    }
}
