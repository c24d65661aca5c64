package io.sluice.server.api;

import static io.sluice.server.testing.Views.items;
import static io.sluice.server.testing.Views.step;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code manual} steps through real HTTP on the embedded store (SPEC §4, §6): an instance waits
 * until {@code POST /v1/instances/{id}/steps/{step}/complete} gives the data, checked against the
 * step's schema; every refused completion leaves the instance as it was.
 */
class ManualStepApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private static final Client client = new Client(node);

  private static final String APPROVAL =
      """
      {"id":"approval","steps":[
        {"id":"approve","type":"manual","timeout":"PT1H",
         "with":{"assignee":"${input.manager}",
                 "schema":{"type":"object","required":["approved"],
                           "properties":{"approved":{"type":"boolean"},
                                         "comment":{"type":"string"}}}}},
        {"id":"notify","type":"transform","needs":["approve"],
         "with":{"approved":"${steps.approve.output.approved}"}}],
       "output":{"approved":"${steps.notify.output.approved}"}}
      """;

  @BeforeAll
  static void saveTheWorkflow() {
    assertThat(client.put("/v1/workflows/approval", APPROVAL).status()).isIn(200, 201);
  }

  private static String startOne() {
    var started =
        client.post("/v1/workflows/approval/instances", "{\"input\":{\"manager\":\"ana\"}}");
    assertThat(started.status()).isEqualTo(201);
    return (String) started.json().get("id");
  }

  private static Client.Response complete(String id, String step, String body) {
    return client.post("/v1/instances/" + id + "/steps/" + step + "/complete", body);
  }

  @Test
  void theInstanceWaitsUntilTheStepIsCompletedWithItsData() {
    String id = startOne();
    assertThat(client.get("/v1/instances/" + id).json())
        .containsEntry("status", "RUNNING")
        .satisfies(i -> assertThat(step(i, "approve")).containsEntry("status", "WAITING"));

    var done = complete(id, "approve", "{\"data\":{\"approved\":true,\"comment\":\"ok\"}}");

    assertThat(done.status()).isEqualTo(200);
    assertThat(done.json()).containsEntry("status", "COMPLETED");
    assertThat(done.json().get("output")).isEqualTo(Map.of("approved", true));
    assertThat(step(done.json(), "approve").get("output"))
        .isEqualTo(Map.of("approved", true, "comment", "ok"));
    List<Map<String, Object>> history = items(client.get("/v1/instances/" + id + "/history"));
    Map<String, Object> waiting =
        history.stream().filter(e -> e.get("type").equals("step.waiting")).findFirst().get();
    assertThat(data(waiting)).containsEntry("reason", "manual").containsEntry("assignee", "ana");
  }

  @Test
  void dataThatBreaksTheSchemaIsRefusedWithEveryViolationAndChangesNothing() {
    String id = startOne();
    Map<String, Object> before = client.get("/v1/instances/" + id).json();

    var refused = complete(id, "approve", "{\"data\":{\"approved\":\"yes\",\"comment\":7}}");

    assertThat(refused.status()).isEqualTo(422);
    assertThat(refused.contentType()).startsWith("application/problem+json");
    assertThat(pointers(refused.json())).containsExactly("/data/approved", "/data/comment");
    assertThat(client.get("/v1/instances/" + id).json()).isEqualTo(before);
  }

  @Test
  void aSecondCompletionConflictsAndKeepsTheFirstData() {
    String id = startOne();
    assertThat(complete(id, "approve", "{\"data\":{\"approved\":true}}").status()).isEqualTo(200);

    var again = complete(id, "approve", "{\"data\":{\"approved\":false}}");

    assertThat(again.status()).isEqualTo(409);
    assertThat((String) again.json().get("detail")).contains("is not waiting to be completed");
    assertThat(client.get("/v1/instances/" + id).json().get("output"))
        .isEqualTo(Map.of("approved", true));
  }

  @Test
  void completingAStepThatIsNotManualOrAnUnknownInstanceIsA404() {
    String id = startOne();

    assertThat(complete(id, "notify", "{}").status()).isEqualTo(404);
    assertThat(complete(id, "nope", "{}").status()).isEqualTo(404);
    assertThat(complete("NOPE", "approve", "{}").status()).isEqualTo(404);
    assertThat(step(client.get("/v1/instances/" + id).json(), "approve"))
        .containsEntry("status", "WAITING");
  }

  @Test
  void aCancelledInstanceCannotBeCompleted() {
    String id = startOne();
    assertThat(client.post("/v1/instances/" + id + "/cancel", "{}").status()).isEqualTo(200);

    var late = complete(id, "approve", "{\"data\":{\"approved\":true}}");

    assertThat(late.status()).isEqualTo(409);
    assertThat(client.get("/v1/instances/" + id).json()).containsEntry("status", "CANCELLED");
  }

  @Test
  void aStepWaitingOnOneNodeIsCompletedThroughAnother() {
    String id = startOne();
    Client other = new Client(node.startPeer("node-b"));

    var done =
        other.post(
            "/v1/instances/" + id + "/steps/approve/complete", "{\"data\":{\"approved\":false}}");

    assertThat(done.status()).isEqualTo(200);
    assertThat(done.json()).containsEntry("status", "COMPLETED");
    assertThat(client.get("/v1/instances/" + id).json().get("output"))
        .isEqualTo(Map.of("approved", false));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> data(Map<String, Object> event) {
    return (Map<String, Object>) event.get("data");
  }

  @SuppressWarnings("unchecked")
  private static List<String> pointers(Map<String, Object> problem) {
    return ((List<Map<String, Object>>) problem.get("errors"))
        .stream().map(e -> (String) e.get("pointer")).toList();
  }
}
