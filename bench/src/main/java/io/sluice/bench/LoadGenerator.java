package io.sluice.bench;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.server.Sluice;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Starts instances of the 3-step transform workflow through the HTTP API, {@code concurrency} at a
 * time, and reports completed instances per second, start-to-completed latency and errors. All
 * requests come from one Vert.x event loop (no thread per request).
 */
public final class LoadGenerator {
  private final LoadOptions options;
  private final Vertx vertx;
  private final Context context;
  private final WebClient client;
  private final String base;
  private HttpClient sseClient;
  private Consumer<String> onCompleted = id -> {};

  private LoadGenerator(LoadOptions options, String base) {
    this.options = options;
    this.base = base;
    // one event loop: the generator's CPU is then one thread's, measured apart from the node's
    this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
    this.context = vertx.getOrCreateContext();
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions().setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(options.concurrency()).setMaxWaitQueueSize(-1));
  }

  /** Runs {@code load} with command-line arguments; answers the exit code. */
  public static int run(String... args) throws Exception {
    if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
      System.out.println(LoadOptions.HELP);
      return 0;
    }
    LoadOptions options;
    try {
      options = LoadOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n" + LoadOptions.HELP);
      return 2;
    }
    Sluice node = null;
    BenchStore store = null;
    Path temp = null;
    String base = options.url();
    String storeUri = options.storeUri();
    try {
      if (options.embedded()) {
        Path dir = options.dataDir();
        if (dir == null) {
          temp = Files.createTempDirectory("sluice-bench");
          dir = temp;
        }
        SluiceConfig config =
            SluiceConfig.defaults()
                .with(Setting.HTTP_PORT, 0)
                .with(Setting.HTTP_HOST, "127.0.0.1")
                .with(Setting.DATA_DIR, dir);
        if (options.store() != null) {
          store = new BenchStore(options.store(), dir);
          config = config.with(Setting.MONGO_URI, store.connectionString());
          storeUri = store.connectionString();
        }
        node = Sluice.start(config);
        base = "http://127.0.0.1:" + node.port();
        System.out.println(
            "embedded node: "
                + node.describe()
                + (store == null ? "" : " (bench store " + options.store() + ")"));
        if (storeUri == null) {
          storeUri = StoreCounters.embeddedUri(node);
        }
      }
      System.out.println(jvmSettings());
      LoadGenerator generator = new LoadGenerator(options, base);
      try (StoreCounters counters =
          storeUri == null ? null : StoreCounters.connect(storeUri, options.storeDatabase())) {
        return generator.measure(
            counters,
            store == null ? null : store.counts(),
            node == null || store != null ? null : StoreCounters.embeddedCommits(node));
      } finally {
        generator.close();
      }
    } finally {
      if (node != null) {
        node.stop();
      }
      if (store != null) {
        store.close();
      }
      if (temp != null) {
        delete(temp);
      }
    }
  }

  private int measure(
      StoreCounters counters,
      CommandCounts commands,
      java.util.function.Supplier<StoreCounters.Commits> commits)
      throws Exception {
    long generatorThread =
        await(onContext(() -> Future.succeededFuture(Thread.currentThread().getId())));
    CpuMeter cpu = new CpuMeter(generatorThread);
    System.out.println("load generator thread id " + generatorThread);
    await(onContext(this::saveWorkflow));
    if (options.noWait()) {
      await(onContext(this::subscribe));
    }
    String mode =
        options.events()
            ? "events: POST /v1/events (the workflow's trigger starts it), latency = event sent ->"
                + " workflow.completed on SSE"
            : options.noWait()
                ? "no-wait: POST without ?wait=, latency = request sent -> workflow.completed on SSE"
                : "wait: POST ?wait="
                    + options.waitFor()
                    + ", latency = request sent -> 201 with status COMPLETED";
    System.out.printf(
        "workflow %s at %s; %s; concurrency %d%n",
        options.workflow(), base, mode, options.concurrency());
    if (options.warmup() > 0) {
      Phase.Result w = await(onContext(() -> phase(options.warmup(), true)));
      System.out.printf(
          "warm-up: %,d instances, %,.0f/s, p50 %.1f ms, %d errors%n",
          w.count(), w.perSecond(), w.latencies().percentileMillis(50), w.errors());
    }
    StoreCounters.Snapshot before = counters == null ? null : counters.snapshot();
    Map<String, Long> commandsBefore = commands == null ? null : commands.snapshot();
    StoreCounters.Commits commitsBefore = commits == null ? null : commits.get();
    CpuMeter.Sample cpuBefore = cpu.sample();
    System.out.println("measuring from " + java.time.LocalTime.now().withNano(0));
    Phase.Result r = await(onContext(() -> phase(options.instances(), false)));
    CpuMeter.Sample cpuAfter = cpu.sample();
    System.out.println("measured until " + java.time.LocalTime.now().withNano(0));
    Map<String, Long> commandsAfter = commands == null ? null : commands.snapshot();
    StoreCounters.Commits commitsAfter = commits == null ? null : commits.get();
    StoreCounters.Snapshot after = counters == null ? null : counters.snapshot();
    report(r);
    reportCpu(r, cpuBefore, cpuAfter);
    if (before != null) {
      reportInstanceWrites(after.minus(before), counters.averageInstanceBytes());
    }
    if (commands != null) {
      reportCommands(r, CommandCounts.delta(commandsBefore, commandsAfter));
    }
    if (commits != null) {
      StoreCounters.Commits d = commitsAfter.minus(commitsBefore);
      System.out.printf(
          "embedded store commits during the run: %,d (%.2f per instance, %.2f ms each on"
              + " average, %.1f s in all)%n",
          d.calls(),
          d.calls() / (double) r.count(),
          d.calls() == 0 ? 0 : d.nanos() / 1e6 / d.calls(),
          d.nanos() / 1e9);
    }
    summary(r, cpuBefore, cpuAfter);
    return r.errors() == 0 ? 0 : 1;
  }

  private Future<Phase.Result> phase(int count, boolean quiet) {
    String url =
        options.events()
            ? base + "/v1/events"
            : base
                + "/v1/workflows/"
                + options.workflow()
                + "/instances"
                + (options.noWait() ? "" : "?wait=" + options.waitFor());
    Phase phase =
        new Phase(
            vertx,
            client,
            url,
            count,
            options.concurrency(),
            options.noWait(),
            options.timeout().toNanos(),
            quiet,
            options.events() ? eventType() : null);
    onCompleted = id -> phase.completed(id, System.nanoTime());
    return phase.run();
  }

  private Future<Void> saveWorkflow() {
    return client
        .putAbs(base + "/v1/workflows/" + options.workflow())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(
            Buffer.buffer(
                options.events()
                    ? Workflows.eventTriggeredChain(options.workflow(), eventType())
                    : Workflows.transformChain(options.workflow())))
        .compose(
            r ->
                r.statusCode() == 200 || r.statusCode() == 201
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        "saving the workflow answered "
                            + r.statusCode()
                            + ": "
                            + r.bodyAsString()));
  }

  /** The type of the events that start the workflow with {@code --events}. */
  private String eventType() {
    return "bench." + options.workflow() + ".requested";
  }

  /** Opens the lifecycle SSE stream; completes when the node confirmed the subscription. */
  private Future<Void> subscribe() {
    sseClient = vertx.createHttpClient();
    Promise<Void> connected = Promise.promise();
    RecordParser lines =
        RecordParser.newDelimited(
            "\n",
            line -> {
              String text = line.toString();
              if (text.startsWith(": connected")) {
                connected.tryComplete();
              } else if (text.startsWith("data: ")) {
                JsonObject event = new JsonObject(text.substring(6));
                JsonObject data = event.getJsonObject("data");
                if (options.events()) {
                  JsonObject output = data == null ? null : data.getJsonObject("output");
                  if (output != null && output.getString("ref") != null) {
                    onCompleted.accept(output.getString("ref"));
                  }
                } else if (data != null && data.getString("instanceId") != null) {
                  onCompleted.accept(data.getString("instanceId"));
                }
              }
            });
    sseClient
        .request(
            new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setAbsoluteURI(base + "/v1/lifecycle/stream?type=workflow.completed"))
        .compose(req -> req.send())
        .onSuccess(
            response -> {
              if (response.statusCode() != 200) {
                connected.tryFail("the SSE stream answered " + response.statusCode());
                return;
              }
              response.handler(lines);
              response.exceptionHandler(connected::tryFail);
            })
        .onFailure(connected::tryFail);
    return connected.future();
  }

  private void report(Phase.Result r) {
    Latencies l = r.latencies();
    System.out.printf(
        "instances %,d, concurrency %d: %,.0f completed/s (%,d in %.2f s), errors %d%n",
        r.count(),
        options.concurrency(),
        r.perSecond(),
        r.ok(),
        r.elapsedNanos() / 1e9,
        r.errors());
    System.out.printf(
        "latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f%n",
        l.percentileMillis(50), l.percentileMillis(90), l.percentileMillis(99), l.maxMillis());
    r.why().forEach((reason, n) -> System.out.printf("  error: %s x %,d%n", reason, n));
  }

  private static void reportCpu(Phase.Result r, CpuMeter.Sample before, CpuMeter.Sample after) {
    double seconds = r.elapsedNanos() / 1e9;
    long process = after.process() - before.process();
    System.out.printf(
        "CPU of this process: %.1f s in %.1f s (%.2f cores; load average %.1f -> %.1f on %d"
            + " cores), %.3f ms per instance%n",
        process / 1e9,
        seconds,
        process / 1e9 / seconds,
        before.loadAverage(),
        after.loadAverage(),
        Runtime.getRuntime().availableProcessors(),
        process / 1e6 / r.count());
    if (before.writtenBytes() >= 0) {
      System.out.printf(
          "bytes written by this process (files and sockets, /proc/self/io wchar): %.1f KB per"
              + " instance%n",
          (after.writtenBytes() - before.writtenBytes()) / 1024.0 / r.count());
    }
    System.out.printf(
        "  not in Java threads below: JIT compiling %.1f s (compiler threads), GC %.1f s"
            + " (collection time, wall)%n",
        (after.compileMillis() - before.compileMillis()) / 1e3,
        (after.gcMillis() - before.gcMillis()) / 1e3);
    CpuMeter.delta(before, after).entrySet().stream()
        .limit(12)
        .forEach(
            e ->
                System.out.printf(
                    "  %6.1f s  %.3f ms/instance  %s%n",
                    e.getValue() / 1e9, e.getValue() / 1e6 / r.count(), e.getKey()));
  }

  private static void reportInstanceWrites(StoreCounters.Snapshot d, long averageBytes) {
    double n = Math.max(1, d.instances());
    System.out.printf(
        "instance documents written during the run: %,d inserted, %,d updates"
            + " -> %.2f inserts + %.2f updates per instance; average document %,d bytes%n",
        d.instances(), d.updates(), d.instances() / n, d.updates() / n, averageBytes);
  }

  private static void reportCommands(Phase.Result r, Map<String, Long> delta) {
    System.out.println("store commands during the run (per instance):");
    delta.forEach(
        (k, v) -> System.out.printf("  %-22s %,10d  %.3f%n", k, v, v / (double) r.count()));
  }

  private void summary(Phase.Result r, CpuMeter.Sample before, CpuMeter.Sample after) {
    Latencies l = r.latencies();
    Map<String, Long> cpu = CpuMeter.delta(before, after);
    long process = after.process() - before.process();
    long generator = cpu.getOrDefault(CpuMeter.GENERATOR, 0L);
    System.out.printf(
        "RESULT mode=%s store=%s concurrency=%d instances=%d perSecond=%.0f p50=%.1f p90=%.1f"
            + " p99=%.1f max=%.1f errors=%d cpuMsPerInstance=%.3f nodeCpuMsPerInstance=%.3f"
            + " load=%.1f%n",
        options.events() ? "events" : options.noWait() ? "no-wait" : "wait",
        options.embedded() ? (options.store() == null ? "embedded" : options.store()) : "remote",
        options.concurrency(),
        r.count(),
        r.perSecond(),
        l.percentileMillis(50),
        l.percentileMillis(90),
        l.percentileMillis(99),
        l.maxMillis(),
        r.errors(),
        process / 1e6 / r.count(),
        (process - generator) / 1e6 / r.count(),
        after.loadAverage());
  }

  static String jvmSettings() {
    var runtime = ManagementFactory.getRuntimeMXBean();
    String gcs =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", "));
    return String.format(
        "JVM: %s %s (%s), %d processors, max heap %,d MB, GC [%s], arguments %s",
        runtime.getVmName(),
        runtime.getVmVersion(),
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        Runtime.getRuntime().maxMemory() / (1024 * 1024),
        gcs,
        runtime.getInputArguments());
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> work) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(1, TimeUnit.HOURS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private void close() throws Exception {
    await(vertx.close());
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
