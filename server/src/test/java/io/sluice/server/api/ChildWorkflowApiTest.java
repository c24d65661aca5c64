package io.sluice.server.api;

import static io.sluice.server.testing.Views.items;
import static io.sluice.server.testing.Views.map;
import static io.sluice.server.testing.Views.step;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code workflow} steps through real HTTP on the embedded store (SPEC §4): a parent runs a child
 * instance per attempt and waits for it; the child's end decides the step.
 */
class ChildWorkflowApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private static final Client client = new Client(node);

  private static final String DOUBLE =
      """
      {"id":"double","input":{"schema":{"type":"object","required":["n"],
        "properties":{"n":{"type":"integer"}}}},
       "steps":[{"id":"calc","type":"transform","with":{"twice":"${input.n * 2}"}}],
       "output":{"twice":"${steps.calc.output.twice}"}}
      """;

  private static final String PARENT =
      """
      {"id":"parent","steps":[
        {"id":"child","type":"workflow","with":{"id":"double","input":{"n":"${input.n}"}}},
        {"id":"after","type":"transform","needs":["child"],
         "with":{"got":"${steps.child.output.twice}"}}],
       "output":{"got":"${steps.after.output.got}"}}
      """;

  @BeforeAll
  static void saveTheWorkflows() {
    assertThat(client.put("/v1/workflows/double", DOUBLE).status()).isIn(200, 201);
    assertThat(client.put("/v1/workflows/parent", PARENT).status()).isIn(200, 201);
  }

  private static Map<String, Object> startAndWait(String workflow, String body) {
    var r = client.post("/v1/workflows/" + workflow + "/instances?wait=PT10S", body);
    assertThat(r.status()).isEqualTo(201);
    return r.json();
  }

  private static String start(String workflow) {
    var r = client.post("/v1/workflows/" + workflow + "/instances", "{}");
    assertThat(r.status()).isEqualTo(201);
    return (String) r.json().get("id");
  }

  @Test
  void theParentCompletesWithTheOutputOfItsChild() {
    Map<String, Object> parent = startAndWait("parent", "{\"input\":{\"n\":21}}");

    assertThat(parent).containsEntry("status", "COMPLETED");
    assertThat(parent.get("output")).isEqualTo(Map.of("got", 42L));
    Map<String, Object> children = client.get("/v1/instances?workflow=double").json();
    assertThat(items(children))
        .anySatisfy(
            c ->
                assertThat(c)
                    .containsEntry("key", parent.get("id") + "/child/1")
                    .containsEntry("status", "COMPLETED"));
  }

  @Test
  void anInputTheChildRefusesFailsTheStepWithCodeWorkflowInput() {
    Map<String, Object> parent = startAndWait("parent", "{\"input\":{\"n\":\"many\"}}");

    assertThat(parent).containsEntry("status", "FAILED");
    assertThat(step(parent, "child").get("error"))
        .satisfies(e -> assertThat(map(e)).containsEntry("code", "workflow.input"));
  }

  @Test
  void aFailedChildFailsTheStepWithCodeWorkflowFailed() {
    client.put(
        "/v1/workflows/broken",
        """
        {"id":"broken","steps":[{"id":"x","type":"transform","with":{"v":"${input.missing.deep}"}}]}
        """);
    client.put(
        "/v1/workflows/calls-broken",
        """
        {"id":"calls-broken","steps":[{"id":"child","type":"workflow","with":{"id":"broken"}}]}
        """);

    Map<String, Object> parent = startAndWait("calls-broken", "{}");

    assertThat(parent).containsEntry("status", "FAILED");
    Map<String, Object> error = map(step(parent, "child").get("error"));
    assertThat(error).containsEntry("code", "workflow.failed");
    assertThat((String) error.get("message")).contains("of workflow 'broken' ended FAILED");
  }

  @Test
  void aWorkflowThatRunsItselfStopsAtTheDepthLimit() {
    client.put(
        "/v1/workflows/forever",
        """
        {"id":"forever","steps":[{"id":"again","type":"workflow","with":{"id":"forever"}}]}
        """);

    Map<String, Object> top = startAndWait("forever", "{}");

    assertThat(top).containsEntry("status", "FAILED");
    List<Map<String, Object>> all =
        items(client.get("/v1/instances?workflow=forever&limit=100").json());
    assertThat(all).hasSize(10);
    assertThat(all).allSatisfy(i -> assertThat(i).containsEntry("status", "FAILED"));
    Map<String, Object> deepest = client.get("/v1/instances/" + all.get(0).get("id")).json();
    assertThat(map(step(deepest, "again").get("error"))).containsEntry("code", "workflow.depth");
  }

  @Test
  void cancellingTheParentCancelsItsWaitingChild() {
    client.put(
        "/v1/workflows/approval",
        """
        {"id":"approval","steps":[{"id":"ok","type":"manual"}]}
        """);
    client.put(
        "/v1/workflows/asks",
        """
        {"id":"asks","steps":[{"id":"ask","type":"workflow","with":{"id":"approval"}}]}
        """);
    String parentId = start("asks");
    String childId = childOf(parentId, "approval");

    assertThat(client.post("/v1/instances/" + parentId + "/cancel", "{}").status()).isEqualTo(200);

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(client.get("/v1/instances/" + childId).json())
                    .containsEntry("status", "CANCELLED"));
  }

  @Test
  void runningTheAttemptAgainFindsItsChildInsteadOfStartingAnother() {
    client.put(
        "/v1/workflows/approval2",
        """
        {"id":"approval2","steps":[{"id":"ok","type":"manual"}]}
        """);
    client.put(
        "/v1/workflows/asks2",
        """
        {"id":"asks2","steps":[{"id":"ask","type":"workflow","with":{"id":"approval2"}}]}
        """);
    String parentId = start("asks2");
    String childId = childOf(parentId, "approval2");

    // as after a restart: every running attempt is executed again
    node.sluice().orchestrator().recover().toCompletionStage().toCompletableFuture().join();
    client.post("/v1/instances/" + childId + "/steps/ok/complete", "{\"data\":{\"yes\":true}}");

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(client.get("/v1/instances/" + parentId).json())
                    .containsEntry("status", "COMPLETED"));
    assertThat(items(client.get("/v1/instances?workflow=approval2").json())).hasSize(1);
    assertThat(client.get("/v1/instances/" + parentId).json().get("output")).isNull();
    assertThat(step(client.get("/v1/instances/" + parentId).json(), "ask").get("output")).isNull();
  }

  /** The child instance the parent's first attempt started, once it exists. */
  private static String childOf(String parentId, String childWorkflow) {
    String[] id = new String[1];
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<Map<String, Object>> children =
                  items(client.get("/v1/instances?workflow=" + childWorkflow).json());
              Map<String, Object> child =
                  children.stream()
                      .filter(c -> c.get("key").toString().startsWith(parentId + "/"))
                      .findFirst()
                      .orElseThrow();
              id[0] = (String) child.get("id");
            });
    return id[0];
  }
}
