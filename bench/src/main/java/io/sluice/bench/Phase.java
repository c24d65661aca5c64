package io.sluice.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * One closed-loop run: {@code count} starts, at most {@code concurrency} instances in flight, each
 * finished instance releasing its slot to the next start. With a wait, an instance is done when its
 * start answers (COMPLETED or an error); without, when its {@code workflow.completed} event comes
 * on the SSE stream ({@link #completed}). Confined to one Vert.x context: no locks.
 */
final class Phase {
  /** The outcome of a phase. */
  record Result(
      int count,
      int ok,
      int errors,
      long elapsedNanos,
      Latencies latencies,
      Map<String, Integer> why) {
    double perSecond() {
      return ok / (elapsedNanos / 1e9);
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final String startUrl;
  private final int count;
  private final int concurrency;
  private final boolean sse;
  private final long timeoutNanos;
  private final boolean quiet;
  private final String eventType;
  private final String runId = Long.toString(System.nanoTime(), 36);
  private final Latencies latencies;
  private final Map<String, Long> pending = new HashMap<>();
  private final Map<String, Long> early = new LinkedHashMap<>();
  private final Map<String, Integer> why = new TreeMap<>();
  private final Promise<Result> promise = Promise.promise();
  private int issued;
  private int done;
  private int ok;
  private long startNanos;
  private long lastReportNanos;
  private int lastReportDone;
  private long watchdog;

  Phase(
      Vertx vertx,
      WebClient client,
      String startUrl,
      int count,
      int concurrency,
      boolean sse,
      long timeoutNanos,
      boolean quiet,
      String eventType) {
    this.vertx = vertx;
    this.client = client;
    this.startUrl = startUrl;
    this.count = count;
    this.concurrency = concurrency;
    this.sse = sse;
    this.timeoutNanos = timeoutNanos;
    this.quiet = quiet;
    this.eventType = eventType;
    this.latencies = new Latencies(count);
  }

  /** Runs the phase; call on the context that receives {@link #completed}. */
  Future<Result> run() {
    startNanos = System.nanoTime();
    lastReportNanos = startNanos;
    watchdog = vertx.setPeriodic(1_000, t -> tick());
    for (int i = 0; i < Math.min(concurrency, count); i++) {
      next();
    }
    return promise.future();
  }

  private void next() {
    if (issued == count) {
      return;
    }
    issued++;
    String eventId = eventType == null ? null : runId + "-" + issued;
    Buffer body =
        Buffer.buffer(
            eventType == null
                ? "{\"input\":{\"n\":" + issued + "}}"
                : "{\"specversion\":\"1.0\",\"id\":\""
                    + eventId
                    + "\",\"source\":\"bench\",\"type\":\""
                    + eventType
                    + "\",\"data\":{\"n\":"
                    + issued
                    + "}}");
    long sent = System.nanoTime();
    client
        .postAbs(startUrl)
        .putHeader("Content-Type", "application/json")
        // not timeout(): in Vert.x 5.1 its pool-acquire timer can fire after the request got a
        // connection and log "Promise already completed" (vert-x3/vertx-web#2911)
        .idleTimeout(timeoutNanos / 1_000_000)
        .sendBuffer(body)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                finish(-1, "request failed: " + ar.cause().getClass().getSimpleName());
              } else {
                answered(ar.result(), sent, eventId);
              }
            });
  }

  private void answered(HttpResponse<Buffer> response, long sent, String eventId) {
    long at = System.nanoTime();
    if (response.statusCode() != (eventId == null ? 201 : 202)) {
      finish(-1, "HTTP " + response.statusCode());
      return;
    }
    if (eventId != null) {
      awaitCompletion(eventId, sent);
      return;
    }
    JsonObject instance = response.bodyAsJsonObject();
    if (!sse) {
      String status = instance.getString("status");
      if ("COMPLETED".equals(status)) {
        finish(at - sent, null);
      } else {
        finish(-1, "status " + status);
      }
      return;
    }
    awaitCompletion(instance.getString("id"), sent);
  }

  private void awaitCompletion(String ref, long sent) {
    Long seen = early.remove(ref);
    if (seen != null) {
      finish(seen - sent, null);
    } else {
      pending.put(ref, sent);
    }
  }

  /**
   * A {@code workflow.completed} event arrived at {@code at} (nanoTime) for the instance (or, when
   * starting by events, the event) {@code ref}.
   */
  void completed(String ref, long at) {
    Long sent = pending.remove(ref);
    if (sent != null) {
      finish(at - sent, null);
    } else if (!promise.future().isComplete()) {
      early.put(ref, at); // the event overtook the answer to the start
    }
  }

  private void finish(long nanos, String error) {
    done++;
    if (error == null) {
      ok++;
      latencies.add(nanos);
    } else {
      why.merge(error, 1, Integer::sum);
    }
    if (done == count) {
      vertx.cancelTimer(watchdog);
      promise.tryComplete(
          new Result(count, ok, count - ok, System.nanoTime() - startNanos, latencies, why));
    } else {
      next();
    }
  }

  private void tick() {
    long now = System.nanoTime();
    for (Iterator<Map.Entry<String, Long>> it = pending.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Long> e = it.next();
      if (now - e.getValue() > timeoutNanos) {
        it.remove();
        finish(-1, "no workflow.completed event within the timeout");
      }
    }
    early.values().removeIf(at -> now - at > timeoutNanos);
    if (!quiet && now - lastReportNanos >= 5_000_000_000L) {
      System.out.printf(
          "  %,d/%,d done, %,.0f/s in the last %.0f s%n",
          done,
          count,
          (done - lastReportDone) / ((now - lastReportNanos) / 1e9),
          (now - lastReportNanos) / 1e9);
      lastReportNanos = now;
      lastReportDone = done;
    }
  }
}
