package io.sluice.server.api;

import static io.sluice.server.testing.Views.items;
import static io.sluice.server.testing.Views.map;
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
 * {@code forEach} steps through real HTTP on the embedded store (SPEC §4): a nested step per item,
 * its outputs in item order.
 */
class ForEachApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private static final Client client = new Client(node);

  @BeforeAll
  static void saveTheWorkflows() {
    save(
        "square",
        """
        {"id":"square","input":{"schema":{"type":"object","required":["n"],
          "properties":{"n":{"type":"integer","maximum":100}}}},
         "steps":[{"id":"x","type":"transform","with":{"sq":"${input.n * input.n}"}}],
         "output":{"sq":"${steps.x.output.sq}"}}
        """);
    save(
        "squares",
        """
        {"id":"squares","steps":[
          {"id":"each","type":"forEach",
           "with":{"items":"${input.ns}","concurrency":2,
                   "step":{"type":"workflow","with":{"id":"square","input":{"n":"${item}"}}}}},
          {"id":"labels","type":"forEach","needs":["each"],
           "with":{"items":"${steps.each.output}",
                   "step":{"type":"transform","with":{"label":"${string(index) + ':' + string(item.sq)}"}}}}],
         "output":{"labels":"${steps.labels.output}"}}
        """);
  }

  private static void save(String id, String definition) {
    var r = client.put("/v1/workflows/" + id, definition);
    assertThat(r.status()).as(r.text()).isIn(200, 201);
  }

  private static Map<String, Object> run(String input) {
    var r = client.post("/v1/workflows/squares/instances?wait=PT10S", input);
    assertThat(r.status()).isEqualTo(201);
    return r.json();
  }

  @Test
  void eachItemRunsAChildAndTheOutputsKeepTheItemsOrder() {
    Map<String, Object> done = run("{\"input\":{\"ns\":[3,1,4,1,5]}}");

    assertThat(done).containsEntry("status", "COMPLETED");
    assertThat(done.get("output"))
        .isEqualTo(
            Map.of(
                "labels",
                List.of("0:9", "1:1", "2:16", "3:1", "4:25").stream()
                    .map(l -> Map.of("label", l))
                    .toList()));
    List<Map<String, Object>> children =
        items(client.get("/v1/instances?workflow=square&limit=100"));
    assertThat(children)
        .filteredOn(c -> c.get("key").toString().startsWith(done.get("id") + "/"))
        .hasSize(5);
  }

  @Test
  void aFailingItemFailsTheStepAndSaysWhichItem() {
    Map<String, Object> failed = run("{\"input\":{\"ns\":[2,1000]}}");

    assertThat(failed).containsEntry("status", "FAILED");
    Map<String, Object> error = map(step(failed, "each").get("error"));
    assertThat(error).containsEntry("code", "workflow.input");
    assertThat((String) error.get("message")).startsWith("item 1: ");
  }

  @Test
  void noItemsGiveAnEmptyList() {
    Map<String, Object> done = run("{\"input\":{\"ns\":[]}}");

    assertThat(done).containsEntry("status", "COMPLETED");
    assertThat(done.get("output")).isEqualTo(Map.of("labels", List.of()));
  }
}
