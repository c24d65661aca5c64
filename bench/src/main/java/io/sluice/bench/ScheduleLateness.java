package io.sluice.bench;

import io.sluice.scheduler.CronSchedule;
import io.sluice.scheduler.Timetable;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Fire lateness of the scheduler's timer path at N schedules firing every second, lateness =
 * arrival of a schedule's fire on the event loop − its nominal fire time, measured after 3 s of
 * warm-up, with the process's CPU. On the two timer paths the store writes of a fire (event
 * admission, last fire, instance start) are not part of the measurement; the {@code full} path
 * measures them.
 *
 * <p>Paths:
 *
 * <ul>
 *   <li>{@code groups} (the service's): the scheduler's own {@link Timetable}: one Quartz trigger
 *       per distinct {@link CronSchedule}, one bus message per slot, handed to the schedules on the
 *       event loop in slices of {@link Timetable#SLICE}. With {@code distinct=G} the schedules get
 *       G different {@code endAt}s, so they form G groups (G triggers).
 *   <li>{@code per-schedule} (the design before): one one-shot Quartz trigger per schedule at its
 *       next {@link CronSchedule} time, the job sends each fire on the bus, the consumer re-arms
 *       the next one.
 *   <li>{@code full}: not the timer alone but everything a fire does, on an in-process node (see
 *       {@link #full}): how many fires per second the node and its store sustain, and what each
 *       costs in store writes.
 * </ul>
 *
 * <p>Run: {@code java -cp bench/target/sluice-bench.jar io.sluice.bench.ScheduleLateness
 * [schedules=10000] [seconds=20] [quartzThreads=2] [path=groups|per-schedule|full] [distinct=1]}
 * (add {@code -Dbatch=100} for Quartz's batch trigger acquisition on the per-schedule path, {@code
 * -Dstore=memory} to count every store command on the full path)
 */
public final class ScheduleLateness {
  private static final String ADDRESS = "bench.schedule.fires";

  private ScheduleLateness() {}

  /** Lateness samples of the measured window (arrivals on one event loop: no locking). */
  private static final class Samples {
    final long[] lateness;
    int count;

    Samples(int capacity) {
      lateness = new long[capacity];
    }

    void add(long millis) {
      if (count < lateness.length) {
        lateness[count++] = millis;
      }
    }
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    String path = args.length > 3 ? args[3] : "groups";
    int distinct = args.length > 4 ? Integer.parseInt(args[4]) : 1;
    if (path.equals("full")) {
      full(n, seconds, System.getProperty("store", "embedded"));
      System.exit(0);
    }
    Vertx vertx = Vertx.vertx();
    Instant warmUntil = Instant.now().plusSeconds(3);
    Instant end = warmUntil.plusSeconds(seconds);
    Samples samples = new Samples(n * (seconds + 2));
    CountDownLatch done = new CountDownLatch(1);
    AutoCloseable stop =
        switch (path) {
          case "groups" -> groups(vertx, n, threads, distinct, warmUntil, end, samples, done);
          case "per-schedule" -> perSchedule(vertx, n, threads, warmUntil, end, samples, done);
          default ->
              throw new IllegalArgumentException(
                  "expected path groups or per-schedule, but got '" + path + "'");
        };
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Thread.sleep(Math.max(0, warmUntil.toEpochMilli() - System.currentTimeMillis()));
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    done.await(seconds + 30L, TimeUnit.SECONDS);
    long cpu = os.getProcessCpuTime() - cpu0;
    long wall = System.nanoTime() - wall0;
    stop.close();
    vertx.close();
    long[] l = Arrays.copyOf(samples.lateness, samples.count);
    Arrays.sort(l);
    double expected = (double) n * seconds;
    System.out.printf(
        "path=%s schedules=%d distinct=%d seconds=%d quartzThreads=%d fires=%d (expected ~%.0f)"
            + " lateness ms p50=%d p99=%d max=%d; CPU %.2f cores of %d%n",
        path,
        n,
        distinct,
        seconds,
        threads,
        l.length,
        expected,
        l.length == 0 ? -1 : l[l.length / 2],
        l.length == 0 ? -1 : l[(int) (l.length * 0.99)],
        l.length == 0 ? -1 : l[l.length - 1],
        (double) cpu / wall,
        Runtime.getRuntime().availableProcessors());
    System.exit(0);
  }

  /** The service's path: {@link Timetable} with a consumer that records each schedule's arrival. */
  private static AutoCloseable groups(
      Vertx vertx,
      int n,
      int threads,
      int distinct,
      Instant warmUntil,
      Instant end,
      Samples samples,
      CountDownLatch done)
      throws Exception {
    Context context = vertx.getOrCreateContext();
    Timetable.Fires fires =
        (ids, nominal) -> {
          long now = System.currentTimeMillis();
          if (nominal.isAfter(end)) {
            done.countDown();
            return;
          }
          if (!nominal.isBefore(warmUntil)) {
            for (int i = 0; i < ids.size(); i++) {
              samples.add(now - nominal.toEpochMilli());
            }
          }
        };
    Timetable timetable = new Timetable(vertx, context, Clock.systemUTC(), fires, threads);
    timetable.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    CronSchedule[] crons = new CronSchedule[distinct];
    for (int g = 0; g < distinct; g++) {
      crons[g] =
          CronSchedule.parse(
              "* * * * * ?", "UTC", null, Instant.parse("2999-01-01T00:00:00Z").plusSeconds(g));
    }
    CompletableFuture<Void> added = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          Instant now = Instant.now();
          for (int i = 0; i < n; i++) {
            timetable.add("s" + i, crons[i % distinct], now);
          }
          added.complete(null);
        });
    added.get(30, TimeUnit.SECONDS);
    return () ->
        timetable.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  /** The design before: one one-shot Quartz trigger per schedule, re-armed after each fire. */
  private static AutoCloseable perSchedule(
      Vertx vertx,
      int n,
      int threads,
      Instant warmUntil,
      Instant end,
      Samples samples,
      CountDownLatch done)
      throws Exception {
    CronSchedule cron = CronSchedule.parse("* * * * * ?", "UTC", null, null);
    Properties props = new Properties();
    props.setProperty("org.quartz.scheduler.instanceName", "bench");
    props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    props.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
    props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    props.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    // -Dbatch=N: Quartz acquires up to N due triggers at once (Quartz's default is 1)
    props.setProperty(
        "org.quartz.scheduler.batchTriggerAcquisitionMaxCount", System.getProperty("batch", "1"));
    Scheduler quartz = new StdSchedulerFactory(props).getScheduler();
    quartz.start();
    vertx
        .eventBus()
        .<String>consumer(
            ADDRESS,
            m -> {
              long now = System.currentTimeMillis();
              String[] parts = m.body().split("\\|");
              Instant nominal = Instant.ofEpochMilli(Long.parseLong(parts[1]));
              if (nominal.isAfter(end)) {
                done.countDown();
                return;
              }
              if (!nominal.isBefore(warmUntil)) {
                samples.add(now - nominal.toEpochMilli());
              }
              cron.nextAfter(nominal).ifPresent(next -> arm(quartz, vertx, parts[0], next));
            });
    Instant first = cron.nextAfter(Instant.now().plusSeconds(1)).orElseThrow();
    for (int i = 0; i < n; i++) {
      arm(quartz, vertx, "s" + i, first);
    }
    return () -> quartz.shutdown(false);
  }

  /**
   * The whole path of a fire on an in-process node: N every-second schedules ({@code overlap:
   * allow}, 10 per workflow, all starting at one instant after the saves) whose workflow is one
   * transform step, for {@code seconds} after 5 s of warm-up. Reports fires handed to admission and
   * instances started per second against the N/s asked for, the instance writes, and either the
   * embedded store's commits ({@code -Dstore=embedded}, the durable default store) or every store
   * command ({@code -Dstore=memory} or {@code h2-background}, a {@link BenchStore} the node reaches
   * over the wire).
   */
  private static void full(int n, int seconds, String kind) throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("sluice-schedules");
    io.sluice.config.SluiceConfig config =
        io.sluice.config.SluiceConfig.defaults()
            .with(io.sluice.config.Setting.HTTP_PORT, 0)
            .with(io.sluice.config.Setting.HTTP_HOST, "127.0.0.1")
            .with(io.sluice.config.Setting.DATA_DIR, dir);
    BenchStore store = null;
    if (!kind.equals("embedded")) {
      store = new BenchStore(kind, dir);
      config = config.with(io.sluice.config.Setting.MONGO_URI, store.connectionString());
    }
    io.sluice.server.Sluice node = io.sluice.server.Sluice.start(config);
    String uri = store != null ? store.connectionString() : StoreCounters.embeddedUri(node);
    var commits = store == null ? StoreCounters.embeddedCommits(node) : null;
    var http = java.net.http.HttpClient.newHttpClient();
    // workflows of (up to) 10 schedule triggers each, all starting together at t0, after the saves
    int perWorkflow = 10;
    Instant t0 = Instant.now().plusSeconds(15).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    for (int w = 0; w * perWorkflow < n; w++) {
      StringBuilder triggers = new StringBuilder();
      for (int i = w * perWorkflow; i < Math.min(n, (w + 1) * perWorkflow); i++) {
        triggers
            .append(triggers.length() == 0 ? "" : ",")
            .append("{\"schedule\":{\"cron\":\"* * * * * ?\",\"overlap\":\"allow\",")
            .append("\"startAt\":\"")
            .append(t0)
            .append("\"}}");
      }
      String body =
          "{\"id\":\"w"
              + w
              + "\",\"triggers\":["
              + triggers
              + "],\"steps\":[{\"id\":\"a\",\"type\":\"transform\",\"with\":{\"n\":1}}]}";
      var saved =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create(
                          "http://127.0.0.1:" + node.port() + "/v1/workflows/w" + w))
                  .header("Content-Type", "application/json")
                  .PUT(java.net.http.HttpRequest.BodyPublishers.ofString(body))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      if (saved.statusCode() >= 300) {
        throw new IllegalStateException(
            "PUT w" + w + ": " + saved.statusCode() + " " + saved.body());
      }
    }
    if (Instant.now().isAfter(t0)) {
      System.out.println("saving the workflows took past t0: the schedules started one by one");
    }
    Thread.sleep(Math.max(0, t0.toEpochMilli() - System.currentTimeMillis()));
    Thread.sleep(5_000);
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (StoreCounters counters = StoreCounters.connect(uri, "sluice")) {
      long fired0 = node.scheduler().fired();
      StoreCounters.Snapshot i0 = counters.snapshot();
      var c0 = store == null ? null : store.counts().snapshot();
      StoreCounters.Commits k0 = commits == null ? null : commits.get();
      long cpu0 = os.getProcessCpuTime();
      long wall0 = System.nanoTime();
      Thread.sleep(seconds * 1000L);
      long fired = node.scheduler().fired() - fired0;
      StoreCounters.Snapshot instances = counters.snapshot().minus(i0);
      double wall = (System.nanoTime() - wall0) / 1e9;
      double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
      System.out.printf(
          "path=full store=%s schedules=%d seconds=%d: fires handed to admission %.0f/s,"
              + " instances started %.0f/s (asked: %d/s); instance writes per instance: %.2f"
              + " inserts + %.2f updates; CPU %.2f cores, %.3f ms per fire%n",
          kind,
          n,
          seconds,
          fired / wall,
          instances.instances() / wall,
          n,
          1.0,
          instances.updates() / (double) Math.max(1, instances.instances()),
          cpu / wall,
          cpu * 1e3 / Math.max(1, fired));
      if (k0 != null) {
        StoreCounters.Commits k = commits.get().minus(k0);
        System.out.printf(
            "embedded store commits: %.2f per fire (%.0f/s), %.2f ms each%n",
            k.calls() / (double) Math.max(1, fired),
            k.calls() / wall,
            k.nanos() / 1e6 / Math.max(1, k.calls()));
      }
      if (c0 != null) {
        System.out.println("store commands per fire:");
        CommandCounts.delta(c0, store.counts().snapshot())
            .forEach(
                (name, count) ->
                    System.out.printf(
                        "  %-22s %8.3f%n", name, count / (double) Math.max(1, fired)));
      }
    } finally {
      node.stop();
      if (store != null) {
        store.close();
      }
    }
  }

  private static void arm(Scheduler quartz, Vertx vertx, String id, Instant at) {
    JobDataMap data = new JobDataMap();
    data.put("vertx", vertx);
    data.put("message", id + "|" + at.toEpochMilli());
    try {
      quartz.scheduleJob(
          JobBuilder.newJob(Fire.class).withIdentity(id).usingJobData(data).build(),
          Set.of(
              TriggerBuilder.newTrigger()
                  .withIdentity(id)
                  .startAt(Date.from(at))
                  .withSchedule(
                      SimpleScheduleBuilder.simpleSchedule()
                          .withMisfireHandlingInstructionFireNow())
                  .build()),
          true);
    } catch (org.quartz.SchedulerException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The per-schedule path's job: hands the fire to the event bus. */
  public static final class Fire implements Job {
    @Override
    public void execute(JobExecutionContext ctx) {
      JobDataMap data = ctx.getMergedJobDataMap();
      ((Vertx) data.get("vertx")).eventBus().send(ADDRESS, (String) data.get("message"));
    }
  }
}
