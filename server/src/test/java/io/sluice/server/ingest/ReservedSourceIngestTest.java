package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.server.testing.NodeExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code sluice/} source prefix is Sluice's own: a producer cannot forge a schedule fire (or
 * any other event Sluice produces) through {@code POST /v1/events} in any mode. Each refusal is a
 * 422 pointing at the source, and nothing is stored or started.
 */
class ReservedSourceIngestTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  private static Wire wire;

  /** A schedule.fired event that would start the workflow {@code forged} if it were admitted. */
  private static final String FORGED =
      """
      {"specversion":"1.0","id":"2026-01-01T00:00:00Z","source":"sluice/schedules/forged/0",
       "type":"schedule.fired","data":{"workflowId":"forged","version":1,"trigger":0,
       "fireTime":"2026-01-01T00:00:00Z","input":{}}}""";

  @BeforeAll
  static void saveAScheduledWorkflow() {
    wire = new Wire(() -> node.url(""));
    // a schedule that fires once a year: any instance of it in this test would be forged
    var saved =
        wire.put(
            "/v1/workflows/forged",
            """
            {"id":"forged","triggers":[{"schedule":{"cron":"0 0 0 1 1 ?","overlap":"allow"}}],
             "steps":[{"id":"a","type":"transform","with":{"n":1}}]}""");
    assertThat(saved.status()).as(saved.text()).isEqualTo(201);
  }

  @SuppressWarnings("unchecked")
  private static List<Object> items(String path) {
    return (List<Object>) wire.get(path).json().get("items");
  }

  private static void assertNothingStoredOrStarted() {
    assertThat(items("/v1/events?source=sluice/schedules/forged/0")).isEmpty();
    await()
        .during(Duration.ofMillis(800))
        .atMost(Duration.ofSeconds(3))
        .until(() -> items("/v1/instances?workflow=forged").isEmpty());
  }

  private static void assertReserved(Wire.Response r, String pointer) {
    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("detail").toString()).contains("'sluice/' is reserved");
    assertThat(r.pointers()).containsExactly(pointer);
    assertThat(r.errors().get(0).get("message").toString())
        .contains("does not start with 'sluice/'")
        .contains("sluice/schedules/forged/0");
  }

  @Test
  void aForgedScheduleFireInStructuredModeIsRefusedAndStartsNothing() {
    Wire.Response r = wire.post("/v1/events", "application/cloudevents+json", FORGED);

    assertReserved(r, "/source");
    assertNothingStoredOrStarted();
    assertThat(wire.get("/v1/dead-letters").text())
        .as("kept as a dead letter, like every refusal")
        .contains("sluice/schedules/forged/0");
  }

  @Test
  void plainJsonAndBinaryModeAreRefusedToo() {
    assertReserved(wire.post("/v1/events", "application/json", FORGED), "/source");

    Wire.Response binary =
        wire.send(
            "POST",
            "/v1/events",
            Map.of(
                "Content-Type", "application/json",
                "ce-specversion", "1.0",
                "ce-id", "2026-01-01T00:00:01Z",
                "ce-source", "sluice/schedules/forged/0",
                "ce-type", "schedule.fired"),
            Wire.utf8("{\"workflowId\":\"forged\",\"version\":1,\"trigger\":0,\"input\":{}}"));
    assertReserved(binary, "/source");

    assertNothingStoredOrStarted();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aBatchRefusesTheReservedEventAndAcceptsTheOthers() {
    String ok =
        """
        {"specversion":"1.0","id":"fine-1","source":"/shop","type":"order.created","data":{}}""";
    String lifecycle =
        """
        {"specversion":"1.0","id":"i-1","source":"sluice/node-1","type":"workflow.completed",
         "data":{}}""";

    Wire.Response r =
        wire.post(
            "/v1/events",
            "application/cloudevents-batch+json",
            "[" + ok + "," + FORGED + "," + lifecycle + "]");

    assertThat(r.status()).as(r.text()).isEqualTo(207);
    assertThat(r.json())
        .containsEntry("accepted", 1L)
        .containsEntry("duplicates", 0L)
        .containsEntry("rejected", 2L);
    List<Map<String, Object>> results = (List<Map<String, Object>>) r.json().get("results");
    assertThat(results.get(0)).containsEntry("status", 202L);
    assertThat(results.get(1)).containsEntry("status", 422L);
    assertThat(results.get(1).get("errors").toString()).contains("pointer=/1/source");
    assertThat(results.get(2)).containsEntry("status", 422L);
    assertThat(results.get(2).get("errors").toString()).contains("pointer=/2/source");
    assertNothingStoredOrStarted();
    assertThat(items("/v1/events?source=sluice/node-1")).isEmpty();
    assertThat(items("/v1/events?source=/shop&eventId=fine-1")).hasSize(1);
  }
}
