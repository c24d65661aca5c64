package io.sluice.server.testing;

import io.sluice.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** A tiny blocking HTTP client for tests: JSON in, status and JSON out. */
public final class Client {
  private final HttpClient http =
      HttpClient.newBuilder()
          // HTTP/1.1, as curl speaks it: the JDK client's default h2c upgrade of a plain-HTTP
          // request once left a GET /openapi.json waiting past its own timeout in CI
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final java.util.function.Supplier<String> base;

  public Client(NodeExtension node) {
    this.base = () -> node.url("");
  }

  /** A client of a node started by hand (e.g. {@link NodeExtension#startPeer}). */
  public Client(io.sluice.server.Sluice node) {
    this.base = () -> "http://127.0.0.1:" + node.port();
  }

  /** A response: status, content type and the parsed JSON body (null when empty or not JSON). */
  public record Response(int status, String contentType, String text) {
    @SuppressWarnings("unchecked")
    public Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(text);
    }
  }

  public Response get(String path) {
    return send(HttpRequest.newBuilder(uri(path)).GET());
  }

  public Response delete(String path) {
    return send(HttpRequest.newBuilder(uri(path)).DELETE());
  }

  public Response post(String path, String body) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Response put(String path, String body) {
    return put(path, body, "application/json");
  }

  public Response put(String path, String body, String contentType) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", contentType)
            .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }

  private URI uri(String path) {
    return URI.create(base.get() + path);
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> r =
          http.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      return new Response(
          r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
