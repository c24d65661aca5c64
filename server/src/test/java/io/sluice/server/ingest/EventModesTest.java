package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** POST /v1/events in each mode, the stored record, the bus publication and the listing. */
class EventModesTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  private static final BlockingQueue<String> published = new LinkedBlockingQueue<>();
  private static Wire wire;

  @BeforeAll
  static void listen() throws Exception {
    wire = new Wire(() -> node.url(""));
    node.sluice()
        .vertx()
        .eventBus()
        .<CloudEvent>consumer(
            "sluice.events", m -> published.add(m.body().id() + " " + m.headers().get("storeId")))
        .completion()
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void structuredModeIsStoredPublishedAndAnswered202() throws Exception {
    String event =
        """
        {"specversion":"1.0","id":"s-1","source":"/shop","type":"order.created",
         "time":"2024-05-01T12:00:00Z","subject":"o-1","comexampleext":"x","tenant":7,
         "data":{"orderId":"o-1","total":120.5,"key.with.dots":1,"$odd":true}}""";

    Wire.Response r = wire.post("/v1/events", "application/cloudevents+json", event);

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    Map<String, Object> body = r.json();
    assertThat(body).containsEntry("duplicate", false).containsEntry("eventId", "s-1");
    String id = (String) body.get("id");
    assertThat(r.header("Location")).isEqualTo("/v1/events/" + id);
    Map<String, Object> stored = wire.get("/v1/events/" + id).json();
    assertThat(stored.get("event"))
        .isEqualTo(
            Map.of(
                "specversion", "1.0",
                "id", "s-1",
                "source", "/shop",
                "type", "order.created",
                "time", "2024-05-01T12:00:00Z",
                "subject", "o-1",
                "comexampleext", "x",
                "tenant", 7L,
                "data",
                    Map.of("orderId", "o-1", "total", 120.5, "key.with.dots", 1L, "$odd", true)));
    assertThat(published.poll(5, TimeUnit.SECONDS)).isEqualTo("s-1 " + id);
  }

  @Test
  void plainJsonHoldingAStructuredEventIsAccepted() {
    Wire.Response r =
        wire.post(
            "/v1/events",
            "application/json; charset=utf-8",
            "{\"specversion\":\"1.0\",\"id\":\"p-1\",\"source\":\"/plain\",\"type\":\"t\",\"data\":[1,2]}");

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(wire.storedEvents("source=/plain")).hasSize(1);
  }

  @Test
  void binaryModeTakesAttributesFromCeHeadersAndDataFromTheBody() {
    Wire.Response r =
        wire.send(
            "POST",
            "/v1/events",
            Map.of(
                "ce-specversion", "1.0",
                "ce-id", "b-1",
                "ce-source", "/binary",
                "ce-type", "order.paid",
                "ce-subject", "o-9",
                "ce-traceparent", "00-abc-01",
                "Content-Type", "application/json"),
            Wire.utf8("{\"orderId\":\"o-9\",\"amount\":3}"));

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    @SuppressWarnings("unchecked")
    Map<String, Object> event = (Map<String, Object>) r.json().get("event");
    assertThat(event)
        .containsEntry("id", "b-1")
        .containsEntry("source", "/binary")
        .containsEntry("type", "order.paid")
        .containsEntry("subject", "o-9")
        .containsEntry("traceparent", "00-abc-01")
        .containsEntry("datacontenttype", "application/json")
        .containsEntry("data", Map.of("orderId", "o-9", "amount", 3L));
  }

  @Test
  void binaryModeKeepsTextData() {
    Wire.Response r =
        wire.send(
            "POST",
            "/v1/events",
            Map.of(
                "ce-specversion", "1.0",
                "ce-id", "b-text",
                "ce-source", "/binary",
                "ce-type", "note",
                "Content-Type", "text/plain"),
            Wire.utf8("hello"));

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.json().get("event"))
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("data", "hello");
  }

  @Test
  @SuppressWarnings("unchecked")
  void batchAnswersEveryEventOnItsOwn() {
    wire.post(
        "/v1/events",
        "application/cloudevents+json",
        "{\"specversion\":\"1.0\",\"id\":\"k-0\",\"source\":\"/batch\",\"type\":\"t\"}");
    String batch =
        """
        [{"specversion":"1.0","id":"k-0","source":"/batch","type":"t"},
         {"specversion":"1.0","id":"k-1","source":"/batch","type":"t","data":{"n":1}},
         {"specversion":"1.0","source":"/batch","type":7},
         {"specversion":"1.0","id":"k-1","source":"/batch","type":"t"},
         {"specversion":"1.0","id":"k-2","source":"/batch","type":"t"}]""";

    Wire.Response r = wire.post("/v1/events", "application/cloudevents-batch+json", batch);

    assertThat(r.status()).as(r.text()).isEqualTo(207);
    Map<String, Object> body = r.json();
    assertThat(body)
        .containsEntry("accepted", 2L)
        .containsEntry("duplicates", 2L)
        .containsEntry("rejected", 1L);
    List<Map<String, Object>> results = (List<Map<String, Object>>) body.get("results");
    assertThat(results)
        .extracting(m -> m.get("status"))
        .containsExactly(200L, 202L, 422L, 200L, 202L);
    assertThat(results.get(3).get("id")).isEqualTo(results.get(1).get("id"));
    assertThat((List<Map<String, Object>>) results.get(2).get("errors"))
        .extracting(e -> e.get("pointer"))
        .containsExactly("/2/id", "/2/type");
    assertThat(wire.storedEvents("source=/batch"))
        .extracting(e -> ((Map<String, Object>) e.get("event")).get("id"))
        .containsExactlyInAnyOrder("k-0", "k-1", "k-2");
  }

  @Test
  void aBatchWithoutRejectionsIs202() {
    Wire.Response r =
        wire.post(
            "/v1/events",
            "application/cloudevents-batch+json",
            "[{\"specversion\":\"1.0\",\"id\":\"a\",\"source\":\"/ok-batch\",\"type\":\"t\"},"
                + "{\"specversion\":\"1.0\",\"id\":\"b\",\"source\":\"/ok-batch\",\"type\":\"t\"}]");

    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(r.json()).containsEntry("accepted", 2L);
  }

  @Test
  @SuppressWarnings("unchecked")
  void listingFiltersNewestFirstWithACursor() {
    for (int i = 0; i < 5; i++) {
      wire.post(
          "/v1/events",
          "application/cloudevents+json",
          "{\"specversion\":\"1.0\",\"id\":\"l-"
              + i
              + "\",\"source\":\"/list\",\"type\":\""
              + (i % 2 == 0 ? "even" : "odd")
              + "\"}");
    }

    Wire.Response first = wire.get("/v1/events?source=/list&type=even&limit=2");
    List<Map<String, Object>> items = (List<Map<String, Object>>) first.json().get("items");
    Wire.Response second =
        wire.get("/v1/events?source=/list&type=even&limit=2&cursor=" + first.json().get("next"));

    assertThat(items)
        .extracting(e -> ((Map<String, Object>) e.get("event")).get("id"))
        .containsExactly("l-4", "l-2");
    assertThat((List<Map<String, Object>>) second.json().get("items"))
        .extracting(e -> ((Map<String, Object>) e.get("event")).get("id"))
        .containsExactly("l-0");
    assertThat(second.json().get("next")).isNull();
    assertThat(wire.storedEvents("source=/list&eventId=l-3")).hasSize(1);
    assertThat(wire.storedEvents("source=/list&since=2999-01-01T00:00:00Z")).isEmpty();
    assertThat(wire.get("/v1/events?since=yesterday").status()).isEqualTo(400);
    assertThat(wire.get("/v1/events/NOPE").status()).isEqualTo(404);
  }
}
