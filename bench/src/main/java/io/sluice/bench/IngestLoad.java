package io.sluice.bench;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.json.Json;
import io.sluice.server.Sluice;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Ingest load: {@code concurrency} producers each POST one CloudEvent (structured mode, ~300 bytes
 * of data) and send the next when the answer comes, for {@code seconds}. Reports events accepted
 * (202, stored before the answer) per second and the latency percentiles, then checks that the
 * store holds exactly the accepted events. All requests come from one Vert.x event loop.
 *
 * <pre>
 * java -cp bench/target/sluice-bench.jar io.sluice.bench.IngestLoad \
 *     [--url=http://host:port] [--concurrency=64] [--seconds=30] [--warmup=5]
 * </pre>
 *
 * Without {@code --url} it starts an embedded node (fresh temp data directory) in this JVM.
 */
public final class IngestLoad {
  private IngestLoad() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new java.util.HashMap<>();
    for (String a : args) {
      String[] kv = a.replaceFirst("^--", "").split("=", 2);
      opts.put(kv[0], kv.length > 1 ? kv[1] : "true");
    }
    int concurrency = Integer.parseInt(opts.getOrDefault("concurrency", "64"));
    int seconds = Integer.parseInt(opts.getOrDefault("seconds", "30"));
    int warmup = Integer.parseInt(opts.getOrDefault("warmup", "5"));
    Sluice node = null;
    String url = opts.get("url");
    if (url == null) {
      Path dir = Files.createTempDirectory("sluice-ingest-bench");
      node =
          Sluice.start(
              SluiceConfig.defaults()
                  .with(Setting.HTTP_PORT, 0)
                  .with(Setting.HTTP_HOST, "127.0.0.1")
                  .with(Setting.DATA_DIR, dir));
      url = "http://127.0.0.1:" + node.port();
      System.out.println("embedded node, data in " + dir);
    }
    try {
      String source = "/bench/" + System.currentTimeMillis();
      if (warmup > 0) {
        run(url, source + "/warmup", concurrency, warmup, null);
      }
      long[] latencies = new long[4_000_000];
      Result r = run(url, source, concurrency, seconds, latencies);
      Arrays.sort(latencies, 0, r.count);
      long stored = countStored(url, source);
      System.out.printf(
          "ingest: concurrency %d, %d s: %d accepted (%.0f events/s), %d errors, stored %d;"
              + " latency p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
          concurrency,
          seconds,
          r.accepted,
          r.accepted / (double) seconds,
          r.errors,
          stored,
          pct(latencies, r.count, 50),
          pct(latencies, r.count, 99),
          r.count == 0 ? 0 : latencies[r.count - 1] / 1e6);
      if (stored != r.accepted) {
        System.out.println("MISMATCH: the store holds " + stored + " events of this run");
        System.exit(1);
      }
    } finally {
      if (node != null) {
        node.stop();
      }
    }
  }

  private record Result(long accepted, long errors, int count) {}

  private static Result run(
      String url, String source, int concurrency, int seconds, long[] latencies)
      throws InterruptedException {
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    WebClient client =
        WebClient.create(
            vertx,
            new WebClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(concurrency));
    URI base = URI.create(url);
    AtomicLong accepted = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicLong sequence = new AtomicLong();
    int[] count = {0};
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    CountDownLatch done = new CountDownLatch(concurrency);
    String data = "x".repeat(256);
    vertx.runOnContext(
        v -> {
          for (int i = 0; i < concurrency; i++) {
            new Object() {
              void next() {
                if (System.nanoTime() >= end) {
                  done.countDown();
                  return;
                }
                long n = sequence.incrementAndGet();
                String body =
                    Json.write(
                        Map.of(
                            "specversion",
                            "1.0",
                            "id",
                            "e-" + n,
                            "source",
                            source,
                            "type",
                            "bench.ingested",
                            "data",
                            Map.of("n", n, "payload", data)));
                long t0 = System.nanoTime();
                client
                    .post(base.getPort(), base.getHost(), "/v1/events")
                    .putHeader("Content-Type", "application/cloudevents+json")
                    .sendBuffer(Buffer.buffer(body))
                    .onComplete(
                        ar -> {
                          long took = System.nanoTime() - t0;
                          if (ar.succeeded() && ar.result().statusCode() == 202) {
                            accepted.incrementAndGet();
                            if (latencies != null && count[0] < latencies.length) {
                              latencies[count[0]++] = took;
                            }
                          } else {
                            errors.incrementAndGet();
                          }
                          next();
                        });
              }
            }.next();
          }
        });
    done.await(seconds + 60L, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().join();
    return new Result(accepted.get(), errors.get(), count[0]);
  }

  @SuppressWarnings("unchecked")
  private static long countStored(String url, String source) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long total = 0;
    String cursor = null;
    do {
      String q =
          "/v1/events?limit=500&source=" + source + (cursor == null ? "" : "&cursor=" + cursor);
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url + q)).build(),
              HttpResponse.BodyHandlers.ofString());
      Map<String, Object> page = (Map<String, Object>) Json.parse(r.body());
      total += ((List<Object>) page.get("items")).size();
      cursor = (String) page.get("next");
    } while (cursor != null);
    return total;
  }

  private static double pct(long[] sorted, int n, double p) {
    if (n == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(p / 100.0 * n);
    return sorted[Math.min(n, Math.max(1, rank)) - 1] / 1e6;
  }
}
