package io.sluice.server.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Custom step types plug in through ServiceLoader and run like built-ins. */
class CustomStepTypeTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);

  @Test
  void aServiceLoadedStepTypeIsAcceptedAndRuns() {
    var saved =
        client.put(
            "/v1/workflows/loud",
            "{\"id\":\"loud\",\"steps\":[{\"id\":\"s\",\"type\":\"shout\",\"with\":{\"text\":\"${input.word}\"}}],"
                + "\"output\":{\"said\":\"${steps.s.output.text}\"}}");
    assertThat(saved.status()).isEqualTo(201);

    var done =
        client
            .post("/v1/workflows/loud/instances?wait=PT10S", "{\"input\":{\"word\":\"hey\"}}")
            .json();

    assertThat(done).containsEntry("status", "COMPLETED");
    assertThat(done.get("output")).isEqualTo(Map.of("said", "HEY"));
    @SuppressWarnings("unchecked")
    var step = ((List<Map<String, Object>>) done.get("steps")).get(0);
    assertThat(((Map<?, ?>) step.get("output")).get("key")).isEqualTo(done.get("id") + "/s");
  }

  @Test
  void aCustomFailureCodeFailsTheStepWithThatCode() {
    client.put(
        "/v1/workflows/mute",
        "{\"id\":\"mute\",\"steps\":[{\"id\":\"s\",\"type\":\"shout\",\"with\":{\"text\":42}}]}");

    var done = client.post("/v1/workflows/mute/instances?wait=PT10S", "{}").json();

    assertThat(done).containsEntry("status", "FAILED");
    assertThat(done.get("error").toString()).contains("shout.text");
  }

  @Test
  void aTypeNobodyProvidesIsRefusedAtSave() {
    var r =
        client.put(
            "/v1/workflows/whisper",
            "{\"id\":\"whisper\",\"steps\":[{\"id\":\"s\",\"type\":\"whisper\"}]}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.text()).contains("/steps/0/type");
  }
}
