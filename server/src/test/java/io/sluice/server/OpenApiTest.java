package io.sluice.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code GET /openapi.json} describes exactly the requests the node answers (a route added without
 * its description, or described but gone, fails here), and {@code GET /docs} serves Swagger UI from
 * the node itself.
 */
class OpenApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);

  @Test
  void theDocumentDescribesEveryRouteAndNothingElse() {
    var r = client.get("/openapi.json");

    assertThat(r.status()).isEqualTo(200);
    assertThat(r.contentType()).startsWith("application/json");
    Map<String, Object> doc = r.json();
    assertThat(doc).containsEntry("openapi", "3.1.0");
    assertThat(operations(doc)).isEqualTo(new TreeSet<>(answered()));
  }

  @Test
  void everyOperationSaysWhatItAnswers() {
    Map<String, Object> doc = client.get("/openapi.json").json();

    for (var path : paths(doc).entrySet()) {
      for (var op : path.getValue().entrySet()) {
        if (op.getKey().equals("parameters")) {
          continue;
        }
        assertThat(map(op.getValue()))
            .as(op.getKey() + " " + path.getKey())
            .containsKeys("summary", "responses");
        assertThat(map(map(op.getValue()).get("responses"))).isNotEmpty();
      }
    }
  }

  @Test
  void theDocsPageLoadsSwaggerUiFromTheNode() {
    var page = client.get("/docs");
    var bundle = client.get("/docs/assets/swagger-ui-bundle.js");
    var css = client.get("/docs/assets/swagger-ui.css");

    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.text())
        .contains("/docs/assets/swagger-ui-bundle.js", "/docs/assets/swagger-ui.css")
        .contains("url: '/openapi.json'");
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.text()).contains("SwaggerUIBundle");
    assertThat(css.status()).isEqualTo(200);
  }

  /** The node's routes, but the Swagger UI files (one wildcard route, documented as /docs). */
  private static List<String> answered() {
    List<String> out = new ArrayList<>();
    for (String route : node.sluice().routes()) {
      if (!route.contains("/docs/assets/")) {
        out.add(route);
      }
    }
    return out;
  }

  private static TreeSet<String> operations(Map<String, Object> doc) {
    TreeSet<String> out = new TreeSet<>();
    paths(doc)
        .forEach(
            (path, ops) ->
                ops.keySet().stream()
                    .filter(k -> !k.equals("parameters"))
                    .forEach(method -> out.add(method.toUpperCase() + " " + path)));
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> paths(Map<String, Object> doc) {
    return (Map<String, Map<String, Object>>) doc.get("paths");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }
}
