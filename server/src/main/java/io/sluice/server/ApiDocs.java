package io.sluice.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * {@code GET /openapi.json}: the HTTP API described in OpenAPI 3.1 (authored as {@code
 * openapi.yaml} in this module's resources; {@code OpenApiTest} keeps it and the router's routes in
 * step). {@code GET /docs}: that document in Swagger UI, whose files come from its webjar on the
 * classpath, so the page works without internet access.
 */
final class ApiDocs {
  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
  private static final String PAGE =
      """
      <!doctype html>
      <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>Sluice API</title>
        <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
      </head>
      <body>
        <div id="swagger-ui"></div>
        <script src="/docs/assets/swagger-ui-bundle.js"></script>
        <script>
          window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });
        </script>
      </body>
      </html>
      """;

  private final String openApiJson = load();

  void mount(Router router) {
    router
        .get("/openapi.json")
        .handler(
            ctx -> ctx.response().putHeader("content-type", "application/json").end(openApiJson));
    router
        .get("/docs")
        .handler(
            ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(PAGE));
    router
        .get("/docs/assets/*")
        .handler(StaticHandler.create(WEBJAR + swaggerUiVersion()).setCachingEnabled(true));
  }

  /** The document, as JSON text (parsed and written once). */
  String openApiJson() {
    return openApiJson;
  }

  private static String load() {
    try (InputStream in = resource("openapi.yaml")) {
      return new ObjectMapper()
          .writeValueAsString(new ObjectMapper(new YAMLFactory()).readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("openapi.yaml is unreadable", e);
    }
  }

  /** The webjar's version, from its Maven properties (its files sit under that version). */
  private static String swaggerUiVersion() {
    Properties p = new Properties();
    try (InputStream in = resource("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("the swagger-ui webjar is unreadable", e);
    }
    return p.getProperty("version");
  }

  private static InputStream resource(String name) {
    InputStream in = ApiDocs.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException(name + " is not on the classpath");
    }
    return in;
  }
}
