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

/** Events in, instances started and resumed: the router end to end on the embedded store. */
class RoutingTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);
  private static final AtomicInteger ids = new AtomicInteger();

  private Client.Response send(String type, String data) {
    String event =
        """
        {"specversion":"1.0","id":"e-%d","source":"test","type":"%s","data":%s}
        """
            .formatted(ids.incrementAndGet(), type, data);
    var r = client.post("/v1/events", event);
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r;
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> instances(String workflow) {
    return (List<Map<String, Object>>)
        client.get("/v1/instances?workflow=" + workflow + "&limit=500").json().get("items");
  }

  private static final String ORDERS =
      """
      {"id":"big-orders","triggers":[{"event":{"type":"order.created",
         "match":{"data":{"total":[{"numeric":[">",100]}]}},
         "when":"event.data.region in ['eu','us']"}}],
       "steps":[{"id":"a","type":"transform","with":{"order":"${input.orderId}"}}],
       "output":{"order":"${steps.a.output.order}"}}
      """;

  @Test
  void aMatchingEventStartsAnInstanceWithItsDataAsInput() {
    client.put("/v1/workflows/big-orders", ORDERS);

    send("order.created", "{\"orderId\":\"o-1\",\"total\":250,\"region\":\"eu\"}");
    send("order.created", "{\"orderId\":\"o-2\",\"total\":50,\"region\":\"eu\"}");
    send("order.created", "{\"orderId\":\"o-3\",\"total\":500,\"region\":\"mars\"}");

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("big-orders").size() == 1);
    String id = (String) instances("big-orders").get(0).get("id");
    var instance = client.get("/v1/instances/" + id + "?wait=PT5S").json();
    assertThat(instance.get("output")).isEqualTo(Map.of("order", "o-1"));
  }

  @Test
  void aWorkflowTriggersOnAnotherWorkflowsCompletion() {
    client.put(
        "/v1/workflows/first",
        "{\"id\":\"first\",\"steps\":[{\"id\":\"a\",\"type\":\"transform\",\"with\":{\"n\":1}}]}");
    client.put(
        "/v1/workflows/second",
        """
        {"id":"second","triggers":[{"event":{"type":"workflow.completed",
           "match":{"data":{"workflowId":["first"]}}}}],
         "steps":[{"id":"b","type":"transform","with":{"from":"${input.instanceId}"}}]}
        """);

    String first = (String) client.post("/v1/workflows/first/instances", "{}").json().get("id");

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("second").size() == 1);
    String second = (String) instances("second").get(0).get("id");
    var done = client.get("/v1/instances/" + second + "?wait=PT5S").json();
    assertThat(done.toString()).contains("from=" + first);
  }

  @Test
  @SuppressWarnings("unchecked")
  void anEmittedEventIsStoredLikeAnyEventAndStartsTheWorkflowsItTriggers() {
    client.put(
        "/v1/workflows/scorer",
        """
        {"id":"scorer","steps":[{"id":"hot","type":"emit",
           "with":{"type":"lead.hot","data":{"score":"${input.score}"}}}]}
        """);
    client.put(
        "/v1/workflows/sales",
        """
        {"id":"sales","triggers":[{"event":{"type":"lead.hot"}}],
         "steps":[{"id":"call","type":"transform","with":{"score":"${input.score}"}}],
         "output":{"score":"${steps.call.output.score}"}}
        """);

    String scorer =
        (String)
            client
                .post("/v1/workflows/scorer/instances", "{\"input\":{\"score\":97}}")
                .json()
                .get("id");

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("sales").size() == 1);
    String sales = (String) instances("sales").get(0).get("id");
    assertThat(client.get("/v1/instances/" + sales + "?wait=PT5S").json().get("output"))
        .isEqualTo(Map.of("score", 97L));
    // stored like an event posted to /v1/events: listed, with its routing
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                ((List<Map<String, Object>>)
                            client.get("/v1/events?type=lead.hot").json().get("items"))
                        .size()
                    == 1);
    Map<String, Object> stored =
        ((List<Map<String, Object>>) client.get("/v1/events?type=lead.hot").json().get("items"))
            .get(0);
    assertThat(stored.toString())
        .contains("sluice/workflows/scorer")
        .contains(scorer + "/hot")
        .contains("instanceId=" + sales);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRateLimitStartsAtMostItsLimitPerKeyAndRecordsTheRestAsSkipped() {
    client.put(
        "/v1/workflows/limited",
        """
        {"id":"limited","triggers":[{"event":{"type":"lead.created"}}],
         "rateLimit":{"limit":2,"period":"PT1H","key":"${event.data.customer}"},
         "steps":[{"id":"a","type":"transform","with":{"n":"${input.n}"}}]}
        """);

    send("lead.created", "{\"customer\":\"a\",\"n\":1}");
    send("lead.created", "{\"customer\":\"a\",\"n\":2}");
    var third = send("lead.created", "{\"customer\":\"a\",\"n\":3}");
    send("lead.created", "{\"customer\":\"b\",\"n\":4}");

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("limited").size() == 3);
    Map<String, Object> routing = routingOf(third);
    assertThat(routing.get("started")).isEqualTo(List.of());
    List<Map<String, Object>> skipped = (List<Map<String, Object>>) routing.get("skipped");
    assertThat(skipped).hasSize(1);
    assertThat(skipped.get(0))
        .containsEntry("workflowId", "limited")
        .containsEntry("reason", "rateLimit: 2 starts per PT1H for key 'a' reached");
    await()
        .during(Duration.ofMillis(500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("limited").size() == 3);
    // replaying the four events counts each once: the admitted ones are admitted again (their
    // instances exist), the third is still skipped
    var replay =
        client.post(
            "/v1/events/replay",
            "{\"since\":\"2000-01-01T00:00:00Z\",\"type\":\"lead.created\",\"dryRun\":false}");
    assertThat(replay.status()).as(replay.text()).isEqualTo(200);
    assertThat(replay.text().split("rateLimit: 2 starts per PT1H for key 'a' reached", -1))
        .as("one skip in " + replay.text())
        .hasSize(2);
    assertThat(instances("limited")).hasSize(3);
    // a bad rate limit is refused at save, with its pointer
    var bad =
        client.put(
            "/v1/workflows/limited",
            """
            {"id":"limited","rateLimit":{"limit":0,"period":"soon"},
             "steps":[{"id":"a","type":"transform"}]}
            """);
    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.text()).contains("/rateLimit/limit").contains("/rateLimit/period");
  }

  @Test
  void aWorkflowTriggeringItselfStopsAtTheChainDepthLimit() {
    client.put(
        "/v1/workflows/loop",
        """
        {"id":"loop","triggers":[{"event":{"type":"workflow.completed",
           "match":{"data":{"workflowId":["loop"]}}}}],
         "steps":[{"id":"a","type":"transform"}]}
        """);

    client.post("/v1/workflows/loop/instances", "{}");

    // a manual start is hop 1; the default limit (router.maxChainDepth) is 10
    await().atMost(Duration.ofSeconds(20)).until(() -> instances("loop").size() >= 10);
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(10))
        .until(() -> instances("loop").size() == 10);
  }

  @Test
  void aWaitingInstanceIsResumedByTheMatchingEvent() {
    client.put(
        "/v1/workflows/pay",
        """
        {"id":"pay","steps":[
          {"id":"wait","type":"waitForEvent","with":{"type":"payment.received",
             "match":"event.data.orderId == input.orderId","timeout":"PT1M"}},
          {"id":"ship","type":"transform","needs":["wait"],
           "with":{"amount":"${steps.wait.output.data.amount}"}}],
         "output":{"amount":"${steps.ship.output.amount}"}}
        """);
    String id =
        (String)
            client
                .post("/v1/workflows/pay/instances", "{\"input\":{\"orderId\":\"p-1\"}}")
                .json()
                .get("id");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.get("/v1/instances/" + id).text().contains("\"waitingFor\":\"event\""));

    var other = send("payment.received", "{\"orderId\":\"p-other\",\"amount\":1}");
    var paid = send("payment.received", "{\"orderId\":\"p-1\",\"amount\":42}");

    var done = client.get("/v1/instances/" + id + "?wait=PT10S").json();
    assertThat(done).containsEntry("status", "COMPLETED");
    assertThat(done.get("output")).isEqualTo(Map.of("amount", 42L));
    // each event's record says what it resumed: the matching one the step, the other nothing
    assertThat(routingOf(paid).get("resumed"))
        .isEqualTo(List.of(Map.of("workflowId", "pay", "instanceId", id, "stepId", "wait")));
    assertThat(routingOf(other)).containsEntry("offeredTo", 1L).containsEntry("resumed", List.of());
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> routingOf(Client.Response accepted) {
    String storeId = (String) accepted.json().get("id");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.get("/v1/events/" + storeId).json().get("routing") != null);
    return (Map<String, Object>) client.get("/v1/events/" + storeId).json().get("routing");
  }

  @Test
  void anEventThatArrivedJustBeforeTheWaitIsFoundByTheLookBack() {
    client.put(
        "/v1/workflows/early",
        """
        {"id":"early","steps":[
          {"id":"wait","type":"waitForEvent","with":{"type":"parcel.scanned",
             "match":"event.data.parcel == input.parcel"}}]}
        """);
    send("parcel.scanned", "{\"parcel\":\"x-9\"}");

    String id =
        (String)
            client
                .post("/v1/workflows/early/instances", "{\"input\":{\"parcel\":\"x-9\"}}")
                .json()
                .get("id");

    var done = client.get("/v1/instances/" + id + "?wait=PT10S").json();
    assertThat(done).containsEntry("status", "COMPLETED");
  }

  @Test
  void deletingAWorkflowStopsItsTriggersAtOnce() {
    client.put(
        "/v1/workflows/gone-soon",
        """
        {"id":"gone-soon","triggers":[{"event":{"type":"thing.happened"}}],
         "steps":[{"id":"a","type":"transform"}]}
        """);
    send("thing.happened", "{}");
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("gone-soon").size() == 1);

    client.delete("/v1/workflows/gone-soon");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                client
                    .post("/v1/rules/test", "{\"event\":{\"type\":\"thing.happened\"}}")
                    .json()
                    .get("matched")
                    .equals(0L));
    send("thing.happened", "{}");

    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("gone-soon").size() == 1);
  }

  @Test
  void theRulesTestSaysWhichTriggerMatchesAndWhyOthersDoNot() {
    client.put("/v1/workflows/big-orders", ORDERS);

    var small =
        client.post(
            "/v1/rules/test",
            "{\"workflowId\":\"big-orders\",\"event\":{\"type\":\"order.created\",\"data\":{\"total\":5,\"region\":\"eu\"}}}");
    var wrongRegion =
        client.post(
            "/v1/rules/test",
            "{\"workflowId\":\"big-orders\",\"event\":{\"type\":\"order.created\",\"data\":{\"total\":500,\"region\":\"mars\"}}}");
    var good =
        client.post(
            "/v1/rules/test",
            "{\"workflowId\":\"big-orders\",\"event\":{\"type\":\"order.created\",\"data\":{\"total\":500,\"region\":\"us\"}}}");

    assertThat(small.json()).containsEntry("matched", 0L);
    assertThat(small.text()).contains("PATTERN_MISMATCH").contains("/data/total");
    assertThat(wrongRegion.text()).contains("WHEN_FALSE");
    assertThat(good.json()).containsEntry("matched", 1L);
    assertThat(client.post("/v1/rules/test", "{\"event\":{}}").status()).isEqualTo(422);
  }

  @Test
  void theEventRecordsWhatItStartedAndAReplayStartsNothingTwice() {
    client.put(
        "/v1/workflows/audit",
        """
        {"id":"audit","triggers":[{"event":{"type":"invoice.paid"}}],
         "steps":[{"id":"a","type":"transform"}]}
        """);
    String since = java.time.Instant.now().minusSeconds(1).toString();
    String storeId = (String) send("invoice.paid", "{\"n\":1}").json().get("id");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.get("/v1/events/" + storeId).text().contains("\"routing\""));
    var record = client.get("/v1/events/" + storeId).json();
    assertThat(record.get("routing").toString())
        .contains("workflowId=audit")
        .contains("existing=false");
    assertThat(instances("audit")).hasSize(1);

    var dry =
        client.post(
            "/v1/events/replay",
            "{\"type\":\"invoice.paid\",\"since\":\"" + since + "\",\"dryRun\":true}");
    assertThat(dry.status()).as(dry.text()).isEqualTo(200);
    assertThat(dry.text()).contains("\"wouldStart\":false").contains("existingInstance");

    var replayed =
        client.post("/v1/events/replay", "{\"type\":\"invoice.paid\",\"since\":\"" + since + "\"}");
    assertThat(replayed.status()).isEqualTo(200);
    assertThat(replayed.text()).contains("\"existing\":true");
    assertThat(instances("audit")).hasSize(1);
  }

  @Test
  void aReplayStartsWhatAWorkflowSavedLaterWouldHaveStarted() {
    String since = java.time.Instant.now().minusSeconds(1).toString();
    send("late.bloomer", "{\"v\":7}");
    client.put(
        "/v1/workflows/late",
        """
        {"id":"late","triggers":[{"event":{"type":"late.bloomer"}}],
         "steps":[{"id":"a","type":"transform","with":{"v":"${input.v}"}}]}
        """);

    var dry =
        client.post(
            "/v1/events/replay",
            "{\"type\":\"late.bloomer\",\"since\":\"" + since + "\",\"dryRun\":true}");
    assertThat(dry.text()).contains("\"wouldStart\":true");
    assertThat(instances("late")).isEmpty();

    client.post("/v1/events/replay", "{\"type\":\"late.bloomer\",\"since\":\"" + since + "\"}");

    assertThat(instances("late")).hasSize(1);
  }

  @Test
  void aBadReplayRequestListsEveryProblem() {
    var r = client.post("/v1/events/replay", "{\"until\":\"yesterday\",\"limit\":0}");
    assertThat(r.status()).isEqualTo(422);
    assertThat(r.text()).contains("/since").contains("/until").contains("/limit");
  }

  @Test
  void aDuplicateEventStartsNothingNew() {
    client.put(
        "/v1/workflows/once",
        """
        {"id":"once","triggers":[{"event":{"type":"once.only"}}],
         "steps":[{"id":"a","type":"transform"}]}
        """);
    String event =
        "{\"specversion\":\"1.0\",\"id\":\"dup-1\",\"source\":\"test\",\"type\":\"once.only\"}";
    assertThat(client.post("/v1/events", event).status()).isEqualTo(202);
    assertThat(client.post("/v1/events", event).status()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("once").size() == 1);
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("once").size() == 1);
  }

  @Test
  void aBadTriggerPatternIsRefusedAtSaveAndNothingIsStored() {
    var r =
        client.put(
            "/v1/workflows/bad-pattern",
            """
            {"id":"bad-pattern","triggers":[{"event":{"type":"x.y",
               "match":{"data":{"total":[{"numeric":[">"]}],"kind":[{"sorta":"x"}]}}}}],
             "steps":[{"id":"a","type":"transform"}]}
            """);

    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.text())
        .contains("/triggers/0/event/match/data/total")
        .contains("/triggers/0/event/match/data/kind");
    assertThat(client.get("/v1/workflows/bad-pattern").status()).isEqualTo(404);
  }
}
