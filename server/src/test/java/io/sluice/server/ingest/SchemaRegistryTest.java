package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The schema registry and the validation of events' data against it. */
class SchemaRegistryTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  private static Wire wire;

  static final String V1 =
      """
      {"$id":"https://schemas.example/order/v1",
       "type":"object","required":["orderId","total"],
       "properties":{"orderId":{"type":"string","minLength":3},
                     "total":{"type":"number","minimum":0},
                     "items":{"type":"array","items":{"type":"object","required":["sku"]}}}}""";
  static final String V2 =
      """
      {"type":"object","required":["orderId","currency"],
       "properties":{"orderId":{"type":"string"},"currency":{"enum":["EUR","USD"]}}}""";

  @BeforeAll
  static void register() {
    wire = new Wire(() -> node.url(""));
    Wire.Response v1 = wire.put("/v1/schemas/order.created", V1);
    Wire.Response v2 = wire.put("/v1/schemas/order.created", V2);
    assertThat(v1.status()).as(v1.text()).isEqualTo(201);
    assertThat(v1.json()).containsEntry("version", 1L).containsEntry("created", true);
    assertThat(v2.json()).containsEntry("version", 2L);
  }

  private static String event(String id, String dataschema, String data) {
    return "{\"specversion\":\"1.0\",\"id\":\""
        + id
        + "\",\"source\":\"/schemas\",\"type\":\"order.created\""
        + (dataschema == null ? "" : ",\"dataschema\":\"" + dataschema + "\"")
        + ",\"data\":"
        + data
        + "}";
  }

  private static Wire.Response post(String body) {
    return wire.post("/v1/events", "application/cloudevents+json", body);
  }

  @Test
  void registeringTheSameDocumentAgainMakesNoVersion() {
    Wire.Response again = wire.put("/v1/schemas/order.created", V2);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json()).containsEntry("version", 2L).containsEntry("created", false);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theRegistryListsTypesVersionsAndDocuments() {
    assertThat((List<Map<String, Object>>) wire.get("/v1/schemas").json().get("items"))
        .anySatisfy(
            i -> assertThat(i).containsEntry("type", "order.created").containsEntry("version", 2L));
    assertThat(wire.get("/v1/schemas/order.created").json()).containsEntry("version", 2L);
    assertThat(
            (List<Map<String, Object>>)
                wire.get("/v1/schemas/order.created/versions").json().get("items"))
        .extracting(i -> i.get("version"))
        .containsExactly(2L, 1L);
    Map<String, Object> v1 = wire.get("/v1/schemas/order.created/versions/1").json();
    assertThat(v1).containsEntry("$id", "https://schemas.example/order/v1");
    assertThat(((Map<String, Object>) v1.get("schema")).get("required"))
        .isEqualTo(List.of("orderId", "total"));
    assertThat(wire.get("/v1/schemas/order.created/versions/9").status()).isEqualTo(404);
    assertThat(wire.get("/v1/schemas/nothing.here").status()).isEqualTo(404);
  }

  @Test
  void anInvalidSchemaIsRefusedWithEveryProblem() {
    Wire.Response r =
        wire.put(
            "/v1/schemas/broken.type",
            "{\"type\":\"objekt\",\"properties\":{\"a\":{\"minLength\":-1}},\"required\":\"a\"}");

    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.pointers()).contains("/type", "/properties/a/minLength", "/required");
    assertThat(wire.get("/v1/schemas/broken.type").status()).isEqualTo(404);
    assertThat(wire.put("/v1/schemas/broken.type", "[1]").status()).isEqualTo(422);
    assertThat(wire.put("/v1/schemas/broken.type", "{\"type\":").status()).isEqualTo(400);
  }

  @Test
  void dataIsCheckedAgainstTheLatestVersionWithEveryViolationListed() {
    Wire.Response ok = post(event("latest-ok", null, "{\"orderId\":\"o-1\",\"currency\":\"EUR\"}"));
    Wire.Response bad =
        post(event("latest-bad", null, "{\"orderId\":7,\"currency\":\"GBP\",\"x\":{}}"));
    Wire.Response missing = post(event("latest-missing", null, "{}"));

    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    assertThat(ok.json()).containsEntry("schemaVersion", 2L);
    assertThat(bad.status()).as(bad.text()).isEqualTo(422);
    assertThat(bad.pointers()).containsExactly("/data/currency", "/data/orderId");
    assertThat(missing.pointers()).containsExactly("/data", "/data");
    assertThat((String) missing.errors().get(0).get("message")).contains("required");
    assertThat(wire.storedEvents("source=/schemas&eventId=latest-bad")).isEmpty();
    assertThat(wire.lastDeadLetter())
        .containsEntry("status", 422L)
        .containsEntry("eventId", "latest-missing");
  }

  @Test
  void dataschemaSelectsAVersion() {
    String v1Data = "{\"orderId\":\"o-22\",\"total\":5,\"items\":[{\"sku\":\"a\"},{}]}";
    Wire.Response byPath =
        post(
            event(
                "v1-path",
                "https://sluice.example/v1/schemas/order.created/versions/1",
                "{\"orderId\":\"o-22\",\"total\":5}"));
    Wire.Response byId =
        post(
            event(
                "v1-id", "https://schemas.example/order/v1", "{\"orderId\":\"o-23\",\"total\":1}"));
    Wire.Response v1Violation =
        post(event("v1-bad", "sluice:schemas/order.created/versions/1", v1Data));
    Wire.Response againstLatest = post(event("v2-bad", null, "{\"orderId\":\"o-22\",\"total\":5}"));
    Wire.Response unknownVersion =
        post(event("v7", "https://x.example/schemas/order.created/versions/7", "{}"));
    Wire.Response otherType =
        post(event("other", "https://x.example/schemas/payment.made/versions/1", "{}"));

    assertThat(byPath.status()).as(byPath.text()).isEqualTo(202);
    assertThat(byPath.json()).containsEntry("schemaVersion", 1L);
    assertThat(byId.json()).containsEntry("schemaVersion", 1L);
    assertThat(v1Violation.status()).isEqualTo(422);
    assertThat(v1Violation.pointers()).containsExactly("/data/items/1");
    assertThat(againstLatest.status()).isEqualTo(422);
    assertThat(againstLatest.pointers()).containsExactly("/data");
    assertThat(unknownVersion.status()).isEqualTo(422);
    assertThat(unknownVersion.pointers()).containsExactly("/dataschema");
    assertThat((String) unknownVersion.errors().get(0).get("message"))
        .contains("version 7 is not registered");
    assertThat(otherType.pointers()).containsExactly("/dataschema");
  }

  @Test
  void aTypeWithoutSchemaIsAcceptedWhenSchemasAreNotRequired() {
    Wire.Response r =
        wire.post(
            "/v1/events",
            "application/cloudevents+json",
            "{\"specversion\":\"1.0\",\"id\":\"free\",\"source\":\"/schemas\",\"type\":\"unregistered\",\"data\":1}");
    assertThat(r.status()).isEqualTo(202);
    assertThat(r.json()).doesNotContainKey("schemaVersion");
  }
}
