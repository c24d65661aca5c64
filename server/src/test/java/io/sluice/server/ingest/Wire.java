package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Real HTTP for the ingestion tests: any method, headers and body bytes; JSON answers. */
final class Wire {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final Supplier<String> base;

  /** {@code base} gives the node's URL, e.g. {@code http://127.0.0.1:8080} (asked per request). */
  Wire(Supplier<String> base) {
    this.base = base;
  }

  record Response(int status, HttpResponse<String> raw) {
    String text() {
      return raw.body();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(raw.body());
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    @SuppressWarnings("unchecked")
    List<Map<String, Object>> errors() {
      return (List<Map<String, Object>>) json().get("errors");
    }

    List<String> pointers() {
      return errors().stream().map(e -> (String) e.get("pointer")).toList();
    }
  }

  Response send(String method, String path, Map<String, String> headers, byte[] body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base.get() + path)).timeout(Duration.ofSeconds(30));
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  Response post(String path, String contentType, String body) {
    return send("POST", path, Map.of("Content-Type", contentType), utf8(body));
  }

  Response put(String path, String body) {
    return send("PUT", path, Map.of("Content-Type", "application/json"), utf8(body));
  }

  Response get(String path) {
    return send("GET", path, Map.of(), null);
  }

  /** Every stored event, all pages. */
  @SuppressWarnings("unchecked")
  List<Map<String, Object>> storedEvents(String query) {
    List<Map<String, Object>> all = new ArrayList<>();
    String cursor = null;
    do {
      String sep = query.isEmpty() ? "?" : "?" + query + "&";
      Response r =
          get("/v1/events" + sep + "limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      all.addAll((List<Map<String, Object>>) r.json().get("items"));
      cursor = (String) r.json().get("next");
    } while (cursor != null);
    return all;
  }

  /** The newest dead letter. */
  @SuppressWarnings("unchecked")
  Map<String, Object> lastDeadLetter() {
    Response r = get("/v1/dead-letters?limit=1");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    List<Map<String, Object>> items = (List<Map<String, Object>>) r.json().get("items");
    assertThat(items).as("dead letters").isNotEmpty();
    return items.get(0);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
