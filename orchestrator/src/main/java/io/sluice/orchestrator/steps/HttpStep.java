package io.sluice.orchestrator.steps;

import io.sluice.core.json.Json;
import io.sluice.core.json.MalformedJsonException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The {@code http} step (SPEC §4): {@code method}, {@code url}, {@code headers}, {@code body},
 * {@code expectStatus}; output {@code {status, headers, body}}. Error codes: {@code http.5xx},
 * {@code http.timeout}, {@code http.connection} (retryable), {@code http.4xx} (not retryable,
 * except 408 and 429), {@code http.status} (a status outside {@code expectStatus}).
 */
final class HttpStep implements StepType {
  static final String IDEMPOTENCY_HEADER = "Idempotency-Key";
  private static final long DEFAULT_TIMEOUT_MS = 30_000;
  private WebClient client;

  @Override
  public String name() {
    return "http";
  }

  @Override
  public void init(Vertx vertx) {
    client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setUserAgent("sluice")
                .setKeepAlive(true)
                .setFollowRedirects(true),
            new PoolOptions().setHttp1MaxSize(64));
  }

  @Override
  public Future<Object> execute(StepRequest request) {
    Map<?, ?> with = request.with() instanceof Map<?, ?> m ? m : Map.of();
    HttpMethod method =
        HttpMethod.valueOf(
            String.valueOf(with.containsKey("method") ? with.get("method") : "GET").toUpperCase());
    String url = String.valueOf(with.get("url"));
    HttpRequest<Buffer> http;
    try {
      http = client.requestAbs(method, url);
    } catch (RuntimeException e) {
      return Future.failedFuture(
          new StepFailure("http.url", "invalid url '" + url + "': " + e.getMessage(), false));
    }
    http.timeout(request.timeout() == null ? DEFAULT_TIMEOUT_MS : request.timeout().toMillis());
    http.putHeader(IDEMPOTENCY_HEADER, request.idempotencyKey());
    if (with.get("headers") instanceof Map<?, ?> headers) {
      headers.forEach(
          (k, v) -> http.putHeader(String.valueOf(k), v == null ? "" : String.valueOf(v)));
    }
    Object body = with.get("body");
    Future<HttpResponse<Buffer>> sent;
    if (body == null) {
      sent = http.send();
    } else if (body instanceof String text) {
      sent = http.sendBuffer(Buffer.buffer(text));
    } else {
      if (!http.headers().contains("Content-Type")) {
        http.putHeader("Content-Type", "application/json");
      }
      sent = http.sendBuffer(Buffer.buffer(Json.write(body)));
    }
    return sent.recover(e -> Future.failedFuture(transportFailure(e, url)))
        .compose(response -> outcome(response, with.get("expectStatus"), method, url));
  }

  private static StepFailure transportFailure(Throwable e, String url) {
    if (e instanceof TimeoutException || String.valueOf(e.getMessage()).contains("timeout")) {
      return new StepFailure(
          "http.timeout", "no response from " + url + ": " + e.getMessage(), true);
    }
    return new StepFailure(
        "http.connection", "request to " + url + " failed: " + e.getMessage(), true);
  }

  private static Future<Object> outcome(
      HttpResponse<Buffer> response, Object expect, HttpMethod method, String url) {
    int status = response.statusCode();
    Map<String, Object> output = new LinkedHashMap<>();
    output.put("status", (long) status);
    Map<String, Object> headers = new LinkedHashMap<>();
    response.headers().forEach(h -> headers.put(h.getKey().toLowerCase(), h.getValue()));
    output.put("headers", headers);
    output.put("body", body(response));
    String what = method + " " + url + " answered " + status;
    if (expect != null) {
      if (!expected(expect).contains((long) status)) {
        return Future.failedFuture(
            new StepFailure(
                status >= 500 ? "http.5xx" : "http.status",
                what + ", expected " + expect,
                status >= 500));
      }
      return Future.succeededFuture(output);
    }
    if (status >= 500) {
      return Future.failedFuture(new StepFailure("http.5xx", what, true));
    }
    if (status >= 400) {
      boolean retryable = status == 408 || status == 429;
      return Future.failedFuture(new StepFailure("http.4xx", what, retryable));
    }
    return Future.succeededFuture(output);
  }

  private static List<Long> expected(Object expect) {
    List<Long> out = new ArrayList<>();
    if (expect instanceof List<?> list) {
      list.forEach(v -> out.add(((Number) v).longValue()));
    } else if (expect instanceof Number n) {
      out.add(n.longValue());
    }
    return out;
  }

  private static Object body(HttpResponse<Buffer> response) {
    Buffer buffer = response.body();
    if (buffer == null || buffer.length() == 0) {
      return null;
    }
    String type = String.valueOf(response.getHeader("Content-Type"));
    if (type.contains("json")) {
      try {
        return Json.parse(buffer.getBytes());
      } catch (MalformedJsonException e) {
        return buffer.toString();
      }
    }
    return buffer.toString();
  }
}
