package dev.podnet.cli;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ApiClientTest
{
    @Test
    void shouldAcceptTheServerWithOrWithoutSchemeAndPort()
    {
        assertThat(ApiClient.parseServer("localhost:8080")).isEqualTo(URI.create("http://localhost:8080"));
        assertThat(ApiClient.parseServer("http://10.0.0.5:18081/")).isEqualTo(URI.create("http://10.0.0.5:18081"));
        assertThat(ApiClient.parseServer("node-a")).as("the agent's port").isEqualTo(URI.create("http://node-a:8080"));
        assertThat(ApiClient.parseServer("HTTPS://api.example:443")).isEqualTo(URI.create("https://api.example:443"));
        assertThat(ApiClient.parseServer("[::1]:9000")).isEqualTo(URI.create("http://[::1]:9000"));
    }

    @Test
    void shouldRefuseWhatIsNotAnAddress()
    {
        for (final String bad : new String[] {"", "  ", "ftp://host:21", "http://host:8080/api", "host:port", "http://user@host:1"})
        {
            assertThatThrownBy(() -> ApiClient.parseServer(bad)).as(bad)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("expected host:port or http://host:port, got '" + bad + "'");
        }
    }

    @Test
    void shouldEncodeAPathSegmentWhateverItHolds()
    {
        assertThat(ApiClient.segment("a-1")).isEqualTo("a-1");
        assertThat(ApiClient.segment("a/b c+d")).isEqualTo("a%2Fb%20c%2Bd");
    }

    @Test
    void shouldPreferTheApisDetailThenItsErrorThenTheStatus()
    {
        final var json = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(new ApiClient.Reply(404, json.createObjectNode().put("error", "not-found").put("detail", "no pod 'x'")).detail())
            .isEqualTo("no pod 'x'");
        assertThat(new ApiClient.Reply(409, json.createObjectNode().put("error", "conflict")).detail()).isEqualTo("conflict (HTTP 409)");
        assertThat(new ApiClient.Reply(502, json.getNodeFactory().textNode("<html>Bad Gateway</html>")).detail())
            .isEqualTo("HTTP 502: <html>Bad Gateway</html>");
        assertThat(new ApiClient.Reply(500, null).detail()).isEqualTo("HTTP 500");
    }
}
