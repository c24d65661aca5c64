package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every bad input gets a specific answer, and the event store holds nothing from it afterwards
 * (each refusal read from the body is kept as a dead letter with its reason instead).
 */
class BadInputTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  private static final String CE = "application/cloudevents+json";
  private static final String BATCH = "application/cloudevents-batch+json";
  private static Wire wire;

  @BeforeAll
  static void seed() {
    wire = new Wire(() -> node.url(""));
    assertThat(post(CE, event("seed")).status()).isEqualTo(202);
  }

  private static String event(String id) {
    return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"/bad\",\"type\":\"t\"}";
  }

  private static Wire.Response post(String contentType, String body) {
    return wire.post("/v1/events", contentType, body);
  }

  /** Sends a bad input; asserts its status, that nothing was stored, and the dead letter. */
  private static Wire.Response refused(
      int status, Supplier<Wire.Response> call, boolean deadLettered) {
    int before = wire.storedEvents("").size();
    Wire.Response r = call.get();
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    assertThat(r.header("Content-Type")).isEqualTo("application/problem+json");
    assertThat(r.json().get("detail")).asString().isNotBlank();
    assertThat(wire.storedEvents("")).as("stored events").hasSize(before);
    if (deadLettered) {
      Map<String, Object> letter = wire.lastDeadLetter();
      assertThat(letter)
          .containsEntry("status", (long) status)
          .containsEntry("channel", "POST /v1/events");
      assertThat(letter.get("reason")).isEqualTo(r.json().get("detail"));
    }
    return r;
  }

  @Test
  void malformedJsonIs400WithWhere() {
    Wire.Response r = refused(400, () -> post(CE, "{\"specversion\":\"1.0\",\"id\":"), true);
    assertThat((String) r.errors().get(0).get("message"))
        .contains("well-formed JSON")
        .contains("line 1");
  }

  @Test
  void nestingDeeperThanTheLimitIs400() {
    String deep = "[".repeat(65) + "]".repeat(65);
    Wire.Response r =
        refused(
            400,
            () ->
                post(
                    CE,
                    "{\"specversion\":\"1.0\",\"id\":\"d\",\"source\":\"/bad\",\"type\":\"t\",\"data\":"
                        + deep
                        + "}"),
            true);
    assertThat((String) r.errors().get(0).get("message")).contains("at most 64 levels");
  }

  @Test
  void nestingWithinTheLimitIsAccepted() {
    String deep = "[".repeat(60) + "]".repeat(60);
    Wire.Response r =
        post(
            CE,
            "{\"specversion\":\"1.0\",\"id\":\"deep-ok\",\"source\":\"/ok\",\"type\":\"t\",\"data\":"
                + deep
                + "}");
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    assertThat(wire.storedEvents("source=/ok")).hasSize(1);
  }

  @Test
  void aBodyOverTheSizeLimitIs413() {
    String big =
        "{\"specversion\":\"1.0\",\"id\":\"big\",\"source\":\"/bad\",\"type\":\"t\",\"data\":\""
            + "x".repeat(1024 * 1024)
            + "\"}";
    Wire.Response r = refused(413, () -> post(CE, big), false);
    assertThat(r.json().get("detail")).asString().contains("larger than the limit");
    assertThat(r.errors().get(0).get("message"))
        .asString()
        .contains("ingestion.maxBodyBytes")
        .contains(big.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes");
  }

  @Test
  void aBatchOverTheEventLimitIs413() {
    StringBuilder batch = new StringBuilder("[");
    for (int i = 0; i < 1001; i++) {
      batch.append(i == 0 ? "" : ",").append(event("many-" + i));
    }
    Wire.Response r = refused(413, () -> post(BATCH, batch.append("]").toString()), true);
    assertThat((String) r.errors().get(0).get("message")).contains("at most 1000 events");
  }

  @Test
  void anUnsupportedContentTypeIs415() {
    refused(415, () -> post("text/plain", event("x")), true);
    refused(415, () -> wire.send("POST", "/v1/events", Map.of(), Wire.utf8(event("x"))), true);
  }

  @Test
  void everyEnvelopeProblemIsListedWithItsPointer() {
    String bad =
        "{\"specversion\":\"0.3\",\"source\":\"has space\",\"type\":\"\",\"time\":\"yesterday\","
            + "\"dataschema\":\"relative/path\",\"Bad_Name\":1,\"nested\":{\"a\":1},"
            + "\"data\":{},\"data_base64\":\"AA==\"}";
    Wire.Response r = refused(422, () -> post(CE, bad), true);
    assertThat(r.pointers())
        .containsExactlyInAnyOrder(
            "/specversion",
            "/id",
            "/source",
            "/type",
            "/time",
            "/dataschema",
            "/data_base64",
            "/Bad_Name",
            "/nested");
    assertThat(wire.lastDeadLetter().get("content")).asString().contains("has space");
  }

  @Test
  void anArrayUnderTheSingleEventTypeIs422WithAHint() {
    Wire.Response r = refused(422, () -> post(CE, "[" + event("arr") + "]"), true);
    assertThat((String) r.errors().get(0).get("message")).contains(BATCH);
  }

  @Test
  void aBatchThatIsNotANonEmptyArrayIs400() {
    refused(400, () -> post(BATCH, event("obj")), true);
    refused(400, () -> post(BATCH, "[]"), true);
  }

  @Test
  void binaryModeProblemsNameTheirHeaders() {
    Wire.Response r =
        refused(
            422,
            () ->
                wire.send(
                    "POST",
                    "/v1/events",
                    Map.of(
                        "ce-specversion",
                        "1.0",
                        "ce-source",
                        "/bad",
                        "Content-Type",
                        "application/json"),
                    Wire.utf8("{}")),
            true);
    assertThat(r.pointers()).containsExactly("/id", "/type");
    assertThat((String) r.errors().get(0).get("message")).contains("header ce-id");
    refused(
        400,
        () ->
            wire.send(
                "POST",
                "/v1/events",
                Map.of(
                    "ce-specversion",
                    "1.0",
                    "ce-id",
                    "x",
                    "ce-source",
                    "/bad",
                    "ce-type",
                    "t",
                    "Content-Type",
                    "application/json"),
                Wire.utf8("{not json")),
        true);
    refused(
        415,
        () ->
            wire.send(
                "POST",
                "/v1/events",
                Map.of(
                    "ce-specversion",
                    "1.0",
                    "ce-id",
                    "x",
                    "ce-source",
                    "/bad",
                    "ce-type",
                    "t",
                    "Content-Type",
                    "application/octet-stream"),
                new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}),
        true);
  }
}
