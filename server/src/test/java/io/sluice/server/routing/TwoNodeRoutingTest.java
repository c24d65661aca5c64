package io.sluice.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.core.json.Json;
import io.sluice.orchestrator.store.DefinitionStore;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.TwoNodes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes on one store: a definition saved, changed or deleted through one node changes what the
 * other routes, without a restart (issue 4: "update the index at once, and on every node").
 */
class TwoNodeRoutingTest {
  @RegisterExtension static TwoNodes nodes = new TwoNodes();

  private static String workflow(String id, String type, String match) {
    return """
        {"id":"%s","triggers":[{"event":{"type":"%s"%s}}],
         "steps":[{"id":"a","type":"transform","with":{"n":"${input}"}}]}
        """
        .formatted(id, type, match == null ? "" : ",\"match\":" + match);
  }

  private static long matched(Client client, String workflowId, String event) {
    var r =
        client.post(
            "/v1/rules/test", "{\"workflowId\":\"" + workflowId + "\",\"event\":" + event + "}");
    return r.status() == 200 ? (Long) r.json().get("matched") : -1;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> instances(String workflow) {
    return (List<Map<String, Object>>)
        nodes.a().get("/v1/instances?workflow=" + workflow + "&limit=100").json().get("items");
  }

  @Test
  void aWorkflowSavedOnOneNodeStartsFromEventsPostedToTheOther() {
    String big = "{\"type\":\"order.placed\",\"data\":{\"n\":500}}";
    assertThat(
            nodes.a().put("/v1/workflows/cross", workflow("cross", "order.placed", null)).status())
        .isEqualTo(201);

    await().atMost(Duration.ofSeconds(10)).until(() -> matched(nodes.b(), "cross", big) == 1);
    var posted =
        nodes
            .b()
            .post(
                "/v1/events",
                "{\"specversion\":\"1.0\",\"id\":\"x-1\",\"source\":\"t\",\"type\":\"order.placed\","
                    + "\"data\":{\"n\":500}}");
    assertThat(posted.status()).as(posted.text()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("cross").size() == 1);
  }

  @Test
  void aNewVersionOnTheSecondNodeAndADeleteOnTheFirstReachTheOtherNode() {
    String small = "{\"type\":\"t.versioned\",\"data\":{\"n\":5}}";
    String large = "{\"type\":\"t.versioned\",\"data\":{\"n\":500}}";
    nodes
        .a()
        .put(
            "/v1/workflows/versioned",
            workflow("versioned", "t.versioned", "{\"data\":{\"n\":[{\"numeric\":[\">\",100]}]}}"));
    await().atMost(Duration.ofSeconds(10)).until(() -> matched(nodes.b(), "versioned", large) == 1);
    assertThat(matched(nodes.b(), "versioned", small)).isZero();

    var v2 =
        nodes
            .b()
            .put(
                "/v1/workflows/versioned",
                workflow(
                    "versioned", "t.versioned", "{\"data\":{\"n\":[{\"numeric\":[\"<\",10]}]}}"));
    assertThat(v2.json()).containsEntry("version", 2L);
    await().atMost(Duration.ofSeconds(10)).until(() -> matched(nodes.a(), "versioned", small) == 1);
    assertThat(matched(nodes.a(), "versioned", large)).isZero();

    assertThat(nodes.a().delete("/v1/workflows/versioned").status()).isEqualTo(204);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                nodes
                    .b()
                    .post("/v1/rules/test", "{\"event\":" + small + "}")
                    .json()
                    .get("matched")
                    .equals(0L));
  }

  @Test
  void aVersionStoredWithoutItsChangeRecordIsFoundByTheReconcile() throws Exception {
    // as if node A crashed between storing the version and recording the change
    @SuppressWarnings("unchecked")
    Map<String, Object> source =
        (Map<String, Object>) Json.parse(workflow("silent", "t.silent", null));
    DefinitionStore store = nodes.first().orchestrator().definitions().store();
    Instant now = Instant.now();
    store
        .insert(new DefinitionStore.Version("silent", 1, source, "h1", now))
        .compose(v -> store.advanceHead("silent", null, 1, now))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> matched(nodes.b(), "silent", "{\"type\":\"t.silent\"}") == 1);
  }
}
