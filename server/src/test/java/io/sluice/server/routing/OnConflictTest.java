package io.sluice.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SPEC §2 {@code onConflict}: what a second start with a key held by another instance does, from
 * events and from the API.
 */
class OnConflictTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);
  private static final AtomicInteger ids = new AtomicInteger();

  /** A workflow keyed by customer whose instances wait until told to finish. */
  private static String workflow(String id, String onConflict) {
    return """
        {"id":"%s","triggers":[{"event":{"type":"%s.signup","key":"${event.data.customer}",
            "onConflict":"%s"}}],
         "steps":[{"id":"wait","type":"waitForEvent","with":{"type":"%s.done",
            "match":"event.data.customer == input.customer","timeout":"PT1H"}}]}
        """
        .formatted(id, id, onConflict, id);
  }

  /** Posts an event; answers its store id. */
  private String send(String type, String customer) {
    String event =
        """
        {"specversion":"1.0","id":"c-%d","source":"test","type":"%s","data":{"customer":"%s"}}
        """
            .formatted(ids.incrementAndGet(), type, customer);
    var r = client.post("/v1/events", event);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return (String) r.json().get("id");
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> instances(String workflow) {
    return (List<Map<String, Object>>)
        client.get("/v1/instances?workflow=" + workflow + "&limit=100").json().get("items");
  }

  private Map<String, Object> instance(String id) {
    return client.get("/v1/instances/" + id).json();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> routing(String storeId) {
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.get("/v1/events/" + storeId).json().get("routing") != null);
    return (Map<String, Object>) client.get("/v1/events/" + storeId).json().get("routing");
  }

  private Client.Response replayLastMinute(String type, boolean dryRun) {
    return client.post(
        "/v1/events/replay",
        "{\"type\":\"%s\",\"dryRun\":%s,\"since\":\"%s\"}"
            .formatted(type, dryRun, java.time.Instant.now().minusSeconds(60)));
  }

  private String only(String workflow) {
    await().atMost(Duration.ofSeconds(10)).until(() -> instances(workflow).size() == 1);
    return (String) instances(workflow).get(0).get("id");
  }

  @Test
  void failRefusesASecondStartWhileTheHolderRunsAndSaysWhy() {
    client.put("/v1/workflows/failing", workflow("failing", "fail"));
    send("failing.signup", "ada");
    String first = only("failing");

    Map<String, Object> second = routing(send("failing.signup", "ada"));

    assertThat(second.get("started")).asList().isEmpty();
    assertThat(second.get("failed").toString())
        .contains("already has a running instance " + first)
        .contains("onConflict: fail");
    assertThat(instances("failing")).hasSize(1);
    // a different key is no conflict
    send("failing.signup", "grace");
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("failing").size() == 2);
  }

  @Test
  void terminateExistingCancelsTheRunningHolderAndStartsANewOneWithTheKey() {
    client.put("/v1/workflows/latest", workflow("latest", "terminateExisting"));
    send("latest.signup", "ada");
    String first = only("latest");

    String secondEvent = send("latest.signup", "ada");
    Map<String, Object> routed = routing(secondEvent);

    assertThat(routed.get("started").toString()).contains("superseded=" + first);
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("latest").size() == 2);
    assertThat(instance(first))
        .containsEntry("status", "CANCELLED")
        .containsEntry("key", "ada")
        .containsKey("supersededBy");
    String second = (String) instance(first).get("supersededBy");
    assertThat(instance(second)).containsEntry("status", "RUNNING").containsEntry("key", "ada");
    assertThat(client.get("/v1/instances/" + first + "/history").text())
        .contains("workflow.cancelled")
        .contains("workflow.superseded");

    // the same events again (a duplicate or replay) start nothing and supersede nothing
    var dry = replayLastMinute("latest.signup", true);
    assertThat(dry.text())
        .contains("this event started instance " + first + ", superseded since")
        .doesNotContain("\"wouldStart\":true");
    var replay = replayLastMinute("latest.signup", false);
    assertThat(replay.status()).as(replay.text()).isEqualTo(200);
    assertThat(instance(second)).containsEntry("status", "RUNNING");

    // once the holder has ended, a new event for the key starts a new instance too
    send("latest.done", "ada");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "COMPLETED".equals(instance(second).get("status")));
    send("latest.signup", "ada");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> instance(second).containsKey("supersededBy"));
    assertThat(instance(second)).containsEntry("status", "COMPLETED");
  }

  @Test
  void theApiTakesOnConflictToo() {
    client.put("/v1/workflows/api-keyed", workflow("api-keyed", "useExisting"));
    var first =
        client.post(
            "/v1/workflows/api-keyed/instances", "{\"key\":\"k1\",\"input\":{\"customer\":\"x\"}}");
    assertThat(first.status()).as(first.text()).isEqualTo(201);

    var existing = client.post("/v1/workflows/api-keyed/instances", "{\"key\":\"k1\"}");
    var refused =
        client.post(
            "/v1/workflows/api-keyed/instances", "{\"key\":\"k1\",\"onConflict\":\"fail\"}");
    var takeover =
        client.post(
            "/v1/workflows/api-keyed/instances",
            "{\"key\":\"k1\",\"onConflict\":\"terminateExisting\",\"input\":{\"customer\":\"x\"}}");
    var bad =
        client.post("/v1/workflows/api-keyed/instances", "{\"key\":7,\"onConflict\":\"replace\"}");

    assertThat(existing.status()).isEqualTo(200);
    assertThat(existing.json()).containsEntry("existing", true);
    assertThat(refused.status()).as(refused.text()).isEqualTo(409);
    assertThat(refused.text()).contains("onConflict: fail");
    assertThat(takeover.status()).as(takeover.text()).isEqualTo(201);
    assertThat(takeover.json()).containsEntry("superseded", first.json().get("id"));
    assertThat(instance((String) first.json().get("id"))).containsEntry("status", "CANCELLED");
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.text()).contains("/key").contains("/onConflict");
  }
}
