package io.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Definitions through real HTTP on the embedded store: versions, and bad ones refused whole. */
class DefinitionApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);

  private static final String GOOD =
      "{\"id\":\"%s\",\"steps\":[{\"id\":\"a\",\"type\":\"transform\",\"with\":{\"x\":%d}}]}";

  @Test
  void eachChangedSaveMakesTheNextVersionAndAnIdenticalSaveChangesNothing() {
    var first = client.put("/v1/workflows/versioned", GOOD.formatted("versioned", 1));
    var same = client.put("/v1/workflows/versioned", GOOD.formatted("versioned", 1));
    var second = client.put("/v1/workflows/versioned", GOOD.formatted("versioned", 2));

    assertThat(first.status()).isEqualTo(201);
    assertThat(first.json()).containsEntry("version", 1L);
    assertThat(same.status()).isEqualTo(200);
    assertThat(same.json()).containsEntry("version", 1L).containsEntry("created", false);
    assertThat(second.json()).containsEntry("version", 2L);
    assertThat(client.get("/v1/workflows/versioned/versions/1").json().toString()).contains("x=1");
    assertThat(client.get("/v1/workflows/versioned").json()).containsEntry("version", 2L);
  }

  @Test
  void yamlDefinitionsAreAccepted() {
    String yaml = "id: yamly\nsteps:\n  - id: a\n    type: transform\n    with: {x: 1}\n";
    var saved = client.put("/v1/workflows/yamly", yaml, "application/yaml");
    assertThat(saved.status()).isEqualTo(201);
    assertThat(saved.json()).containsEntry("id", "yamly");
  }

  @Test
  void deletingHidesTheWorkflowButKeepsItsVersions() {
    client.put("/v1/workflows/gone", GOOD.formatted("gone", 1));
    assertThat(client.delete("/v1/workflows/gone").status()).isEqualTo(204);
    assertThat(client.get("/v1/workflows/gone").status()).isEqualTo(404);
    assertThat(client.get("/v1/workflows/gone/versions/1").status()).isEqualTo(200);
    assertThat(client.delete("/v1/workflows/gone").status()).isEqualTo(404);
    assertThat(client.post("/v1/workflows/gone/instances", "{}").status()).isEqualTo(404);
  }

  @Test
  void theIdInTheUrlMustMatchTheDocument() {
    var r = client.put("/v1/workflows/one", GOOD.formatted("other", 1));
    assertThat(r.status()).isEqualTo(422);
    assertThat(pointers(r)).containsExactly("/id");
    assertThat(client.get("/v1/workflows/one").status()).isEqualTo(404);
    assertThat(client.get("/v1/workflows/other").status()).isEqualTo(404);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          cycle          | {"id":"bad-cycle","steps":[{"id":"a","type":"transform","needs":["c"]},{"id":"b","type":"transform","needs":["a"]},{"id":"c","type":"transform","needs":["b"]}]} | /steps/0/needs/0 | a -> c -> b -> a
          unknown need   | {"id":"bad-need","steps":[{"id":"a","type":"transform","needs":["nope"]}]} | /steps/0/needs/0 | nope
          duplicate id   | {"id":"bad-dup","steps":[{"id":"a","type":"transform"},{"id":"a","type":"transform"}]} | /steps/1/id | a
          unknown type   | {"id":"bad-type","steps":[{"id":"a","type":"teleport"}]} | /steps/0/type | teleport
          bad CEL        | {"id":"bad-cel","steps":[{"id":"a","type":"transform","if":"input.x >"}]} | /steps/0/if | input.x
          bad template   | {"id":"bad-tpl","steps":[{"id":"a","type":"transform","with":{"v":"${input..x}"}}]} | /steps/0/with/v | input..x
          bad duration   | {"id":"bad-dur","steps":[{"id":"a","type":"transform","timeout":"10 seconds"}]} | /steps/0/timeout | 10 seconds
          """)
  void badDefinitionsAreRefusedWithTheProblemAndNothingIsStored(
      String name, String body, String pointer, String mentioned) {
    String id = (String) io.sluice.core.json.Json.parseObject(body).get("id");

    var r = client.post("/v1/workflows", body);

    assertThat(r.status()).as(r.text()).isEqualTo(422);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(errors(r))
        .anySatisfy(
            e -> {
              assertThat(e.get("pointer")).isEqualTo(pointer);
              assertThat((String) e.get("message")).contains(mentioned);
            });
    assertThat(client.get("/v1/workflows/" + id).status()).isEqualTo(404);
    assertThat(client.get("/v1/workflows/" + id + "/versions/1").status()).isEqualTo(404);
  }

  @Test
  void everyProblemOfADefinitionIsListedAtOnce() {
    String body =
        """
        {"id":"many","steps":[
          {"id":"a","type":"teleport","needs":["ghost"]},
          {"id":"b","type":"transform","if":"1 +","timeout":"soon"},
          {"id":"b","type":"delay","with":{}}]}
        """;
    var r = client.post("/v1/workflows", body);
    assertThat(r.status()).isEqualTo(422);
    assertThat(pointers(r))
        .contains(
            "/steps/0/type", "/steps/0/needs/0", "/steps/1/if", "/steps/1/timeout", "/steps/2/id");
    assertThat(client.get("/v1/workflows/many").status()).isEqualTo(404);
  }

  @Test
  void malformedJsonIsA400WithWhereItBroke() {
    var r = client.post("/v1/workflows", "{\"id\": \"x\", \"steps\": [");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.text()).contains("line");
  }

  @Test
  void aBodyOverTheLimitIsA413() {
    String big = "{\"id\":\"big\",\"name\":\"" + "x".repeat(1_100_000) + "\",\"steps\":[]}";
    var r = client.post("/v1/workflows", big);
    assertThat(r.status()).isEqualTo(413);
    assertThat(client.get("/v1/workflows/big").status()).isEqualTo(404);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> errors(Client.Response r) {
    return (List<Map<String, Object>>) r.json().get("errors");
  }

  private static List<Object> pointers(Client.Response r) {
    return errors(r).stream().map(e -> e.get("pointer")).toList();
  }
}
