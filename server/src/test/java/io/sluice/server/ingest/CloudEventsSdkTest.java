package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.sluice.server.testing.NodeExtension;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Producers send events with a client nobody here wrote: the CloudEvents Java SDK's HTTP binding
 * ({@code cloudevents-http-basic}) writes the request in structured and in binary mode.
 */
class CloudEventsSdkTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();

  private static CloudEvent event(String id) {
    return CloudEventBuilder.v1()
        .withId(id)
        .withSource(URI.create("https://producer.example/orders"))
        .withType("order.created")
        .withSubject("o-42")
        .withTime(OffsetDateTime.parse("2024-05-01T12:00:00Z"))
        .withExtension("tenant", "acme")
        .withExtension("priority", 3)
        .withDataContentType("application/json")
        .withData("{\"orderId\":\"o-42\",\"total\":99.5}".getBytes(StandardCharsets.UTF_8))
        .build();
  }

  /** Sends what the SDK's writer produced, as it produced it. */
  private static Wire.Response send(
      java.util.function.Consumer<io.cloudevents.http.impl.HttpMessageWriter> write) {
    Map<String, String> headers = new LinkedHashMap<>();
    AtomicReference<byte[]> body = new AtomicReference<>(new byte[0]);
    write.accept(HttpMessageFactory.createWriter(headers::put, body::set));
    return new Wire(() -> node.url("")).send("POST", "/v1/events", headers, body.get());
  }

  @SuppressWarnings("unchecked")
  private static void assertStored(Wire.Response r, String id, boolean binary) {
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    Map<String, Object> stored =
        new Wire(() -> node.url("")).get("/v1/events/" + r.json().get("id")).json();
    Map<String, Object> event = (Map<String, Object>) stored.get("event");
    assertThat(event)
        .containsEntry("id", id)
        .containsEntry("source", "https://producer.example/orders")
        .containsEntry("type", "order.created")
        .containsEntry("subject", "o-42")
        .containsEntry("time", "2024-05-01T12:00:00Z")
        .containsEntry("tenant", "acme")
        .containsEntry("priority", binary ? "3" : 3L) // binary mode carries every attribute as text
        .containsEntry("data", Map.of("orderId", "o-42", "total", 99.5));
    assertThat((String) event.get("datacontenttype")).startsWith("application/json");
  }

  @Test
  void structuredMode() {
    Wire.Response r =
        send(w -> w.writeStructured(event("sdk-structured"), JsonFormat.CONTENT_TYPE));
    assertStored(r, "sdk-structured", false);
  }

  @Test
  void binaryMode() {
    Wire.Response r = send(w -> w.writeBinary(event("sdk-binary")));
    assertStored(r, "sdk-binary", true);
  }

  @Test
  void theSdkReadsBackWhatWasStored() {
    Wire.Response r = send(w -> w.writeBinary(event("sdk-roundtrip")));
    String stored = new Wire(() -> node.url("")).get("/v1/events/" + r.json().get("id")).text();
    String envelope =
        io.sluice.core.json.Json.write(
            ((Map<?, ?>) io.sluice.core.json.Json.parse(stored)).get("event"));

    CloudEvent read = new JsonFormat().deserialize(envelope.getBytes(StandardCharsets.UTF_8));

    assertThat(read.getId()).isEqualTo("sdk-roundtrip");
    assertThat(read.getExtension("tenant")).isEqualTo("acme");
    assertThat(new String(read.getData().toBytes(), StandardCharsets.UTF_8))
        .contains("\"orderId\":\"o-42\"");
  }
}
