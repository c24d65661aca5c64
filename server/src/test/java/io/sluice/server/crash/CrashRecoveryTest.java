package io.sluice.server.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.core.json.Json;
import io.sluice.server.testing.ChildJvm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The acceptance test "crash" (SPEC §3, §5): a node is killed with SIGKILL while 200 instances of a
 * workflow with parallel branches (a durable delay, an http call that fails once and is retried, a
 * transform) are mid-run and while the starts of 200 instances of a second workflow are being
 * answered; a new node on the same data directory must finish every instance, keep one instance per
 * key, and every state transition must have happened exactly once (history: no duplicate event, seq
 * 1..N without gaps, each step's lifecycle once) while the http task ran at least once, always with
 * the same idempotency key.
 *
 * <p>The node runs as a child JVM (so it can really be killed). The test's own HTTP server answers
 * the http step: the first call of each {@code Idempotency-Key} gets 503, later calls 200. To make
 * the crash hit attempts that are in flight, the server parks (does not answer until the crash) the
 * first call of the instances with {@code n % 10 == 1} and the second call of those with {@code n %
 * 10 == 3}; so recovery must re-run both kinds of RUNNING attempt, besides firing the delay and
 * retry timers of the others. On failure the nodes' logs are printed and their data kept ({@code
 * -Dcrash.keep=true} keeps it always).
 */
class CrashRecoveryTest {
  private static final int INSTANCES = 200;
  private static final List<String> STEPS = List.of("a", "b1", "b2", "b3", "join", "end");
  private static final Duration READY_WITHIN = Duration.ofSeconds(90);
  private static final Duration FINISH_WITHIN = Duration.ofSeconds(90);

  private static final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private static final List<Node> nodes = new ArrayList<>();
  private static final List<Path> dirs = new ArrayList<>();
  private static TaskServer tasks;
  private static volatile boolean anyFailed;
  private static volatile Instant killedAt;
  private static String childClassPath;

  @RegisterExtension
  static final TestWatcher printLogsOnFailure =
      new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
          anyFailed = true;
          System.out.println("==== " + context.getDisplayName() + " failed: " + cause);
          System.out.println(tasks == null ? "" : tasks.summary());
          synchronized (nodes) {
            nodes.forEach(Node::printLog);
          }
        }
      };

  @BeforeAll
  static void startTaskServer() throws IOException {
    tasks = new TaskServer();
    childClassPath = ChildJvm.snapshotClassPath(tempDir().resolve("classpath"));
  }

  private static long testStart;

  @BeforeEach
  void parkAgain() {
    tasks.reset();
    testStart = System.nanoTime();
  }

  private static void phase(String what, Object... args) {
    System.out.printf(
        "[%6d ms] %s%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - testStart), String.format(what, args));
  }

  @AfterEach
  void killNodes() {
    synchronized (nodes) {
      nodes.forEach(Node::kill);
    }
  }

  @AfterAll
  static void cleanUp() throws IOException {
    synchronized (nodes) {
      nodes.forEach(Node::kill);
    }
    if (tasks != null) {
      tasks.close();
    }
    if (anyFailed || Boolean.getBoolean("crash.keep")) {
      System.out.println("==== kept the data and logs of the nodes in " + dirs);
      return;
    }
    for (Path dir : dirs) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  /**
   * One crash, two situations. Workflow {@code crash-mid-run}: all its starts were answered, and
   * the node dies while its instances wait on delays and retries and while 40 http attempts are in
   * flight. Workflow {@code crash-while-starting}: the node dies while its starts are being
   * answered; a start whose answer was lost may or may not have made an instance, and starting it
   * again with the same key must find that instance, or make one.
   */
  @Test
  void killedMidRunAndWhileStarting() throws Exception {
    Path dir = tempDir();
    String midRun = "crash-mid-run";
    String whileStarting = "crash-while-starting";
    Node first = Node.start(dir, "run-1");
    save(first, midRun);
    save(first, whileStarting);

    Map<Integer, String> midRunIds = new ConcurrentHashMap<>();
    Map<Integer, String> startingIds = new ConcurrentHashMap<>();
    Map<Integer, String> failed = new ConcurrentHashMap<>();
    Map<Integer, String> startingFailed = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      startAll(pool, first, midRun, range(0, INSTANCES), midRunIds, failed);
      assertThat(failed).as("starts that failed before the crash").isEmpty();
      assertThat(midRunIds).hasSize(INSTANCES);
      phase("started %d instances of %s", midRunIds.size(), midRun);

      int parked = (int) range(0, INSTANCES).stream().filter(TaskServer::parks).count();
      await("some instances completed, every parked attempt in flight")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  first.alive()
                      && tasks.parkedNow() >= parked
                      && count(first, midRun, "COMPLETED") >= 1);
      int running = count(first, midRun, "RUNNING");
      int completed = count(first, midRun, "COMPLETED");

      List<Future<?>> starting =
          submitAll(pool, first, whileStarting, range(0, INSTANCES), startingIds, startingFailed);
      await("some starts of " + whileStarting + " answered")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> startingIds.size() >= 10 || starting.stream().allMatch(Future::isDone));
      int inFlight = tasks.parkedNow();
      killedAt = Instant.now();
      first.crash();
      tasks.release();
      phase(
          "killed the node: %s had %d instances RUNNING and %d COMPLETED; %d http attempts were in"
              + " flight",
          midRun, running, completed, inFlight);
      // a parked attempt must not end before the crash (b2's timeout is long for that reason)
      assertThat(running)
          .as("instances running when the node was killed")
          .isGreaterThanOrEqualTo(parked);
      for (Future<?> f : starting) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
    }
    phase(
        "%s: %d starts answered 201 before the crash, %d failed",
        whileStarting, startingIds.size(), startingFailed.size());
    assertThat(startingIds.size() + startingFailed.size()).isEqualTo(INSTANCES);

    Node second = Node.start(dir, "run-2");
    ExecutorService checks = Executors.newFixedThreadPool(8);
    try {
      // every 10th key of the first workflow (all were answered), every key of the second
      List<Integer> sample = range(0, INSTANCES).stream().filter(n -> n % 10 == 7).toList();
      Map<Integer, String> midRunAll =
          startAgain(checks, second, midRun, sample, midRunIds, Set.of());
      Map<Integer, String> startingAll =
          startAgain(
              checks,
              second,
              whileStarting,
              range(0, INSTANCES),
              startingIds,
              startingFailed.keySet());
      phase("started every key again");
      awaitCompleted(second, midRun, midRunAll);
      awaitCompleted(second, whileStarting, startingAll);
      phase("every instance COMPLETED");
      Stats a = verify(checks, second, midRun, midRunAll, Set.of());
      Stats b = verify(checks, second, whileStarting, startingAll, startingFailed.keySet());
      assertThat(a.rerun()).as("instances whose http attempt was re-run by recovery").isPositive();
      assertThat(a.delaysAcross() + b.delaysAcross())
          .as("delays that were waiting when the node was killed")
          .isPositive();
    } finally {
      checks.shutdownNow();
    }
    assertThat(second.logLines(" ERROR ")).as("errors logged by the restarted node").isEmpty();
  }

  // ---- verification ----------------------------------------------------------------------------

  /**
   * Starts the keys again: a key whose start was answered must find its instance; for the others
   * there may be one (made before the crash) or not (it is made now). Answers every key's instance.
   */
  private static Map<Integer, String> startAgain(
      ExecutorService pool,
      Node node,
      String workflow,
      List<Integer> keys,
      Map<Integer, String> ids,
      Set<Integer> unsure)
      throws Exception {
    assertThat(keys).as("keys to start again").containsAll(unsure);
    Map<Integer, String> all = new ConcurrentHashMap<>(ids);
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    forEach(
        pool,
        keys,
        n -> {
          Response r = node.post("/v1/workflows/" + workflow + "/instances", startBody(n));
          String what = "starting " + workflow + " key " + key(n) + " again after the crash: ";
          if (ids.containsKey(n)) {
            assertThat(r.status).as(what + r.text).isEqualTo(200);
            assertThat(r.json()).containsEntry("existing", true).containsEntry("id", ids.get(n));
          } else {
            assertThat(unsure).contains(n);
            assertThat(r.status).as(what + r.text).isIn(200, 201);
            all.put(n, (String) r.json().get("id"));
            statuses.merge(r.status, 1, Integer::sum);
          }
        });
    if (!unsure.isEmpty()) {
      phase(
          "%s: of the %d starts that failed before the crash, %d had made an instance",
          workflow, unsure.size(), statuses.getOrDefault(200, 0));
    }
    return all;
  }

  private static void awaitCompleted(Node node, String workflow, Map<Integer, String> ids) {
    await("every instance of " + workflow + " COMPLETED after the restart")
        .atMost(FINISH_WITHIN)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              assertThat(node.alive()).as("the restarted node is alive").isTrue();
              Map<String, String> statuses = statuses(node, workflow);
              assertThat(statuses.values()).doesNotContain("FAILED", "CANCELLED", "TIMED_OUT");
              return statuses.keySet().containsAll(ids.values())
                  && statuses.values().stream().allMatch("COMPLETED"::equals);
            });
  }

  /**
   * Checks every instance: one per key, states, histories and the calls the task server saw.
   * Answers how many instances had an http attempt re-run after the crash, and how many delays and
   * retry waits spanned the crash.
   */
  private record Stats(int rerun, int delaysAcross, int retriesAcross) {}

  private static Stats verify(
      ExecutorService pool,
      Node node,
      String workflow,
      Map<Integer, String> all,
      Set<Integer> unsure)
      throws Exception {
    List<Map<String, Object>> listed = list(node, workflow, null);
    Map<String, List<String>> byKey = new TreeMap<>();
    listed.forEach(
        i ->
            byKey
                .computeIfAbsent((String) i.get("key"), k -> new ArrayList<>())
                .add(i.get("id") + " started " + i.get("startedAt")));
    byKey.values().removeIf(ids -> ids.size() == 1);
    assertThat(byKey).as("keys of %s with more than one instance (SPEC §2)", workflow).isEmpty();
    assertThat(listed.stream().map(i -> (String) i.get("id")))
        .as("the instances of %s", workflow)
        .containsExactlyInAnyOrderElementsOf(all.values());

    AtomicInteger withoutRetry = new AtomicInteger();
    AtomicInteger rerun = new AtomicInteger();
    AtomicInteger delaysAcross = new AtomicInteger();
    AtomicInteger retriesAcross = new AtomicInteger();
    forEach(
        pool,
        range(0, INSTANCES),
        n -> {
          String id = all.get(n);
          Map<String, Object> instance = node.get("/v1/instances/" + id).json();
          int b2Attempts = verifyInstance(n, id, instance);
          List<Map<String, Object>> history = history(node, id);
          boolean retried = verifyHistory(id, history, b2Attempts);
          TaskServer.Calls calls = tasks.calls(id + "/b2");
          assertThat(calls).as("the task server's calls for instance %s", id).isNotNull();
          assertThat(calls.keysSeenForInstance())
              .as("every attempt of %s/b2 carried the same idempotency key", id)
              .containsExactly(id + "/b2");
          long b2Started = count(history, "step.started", "b2");
          assertThat(calls.count())
              .as("calls of %s/b2", id)
              .isGreaterThanOrEqualTo((int) b2Started);
          if (!retried) {
            withoutRetry.incrementAndGet();
            // the 503 of the first call never reached the engine: only a crash can do that
            assertThat(calls.count())
                .as("calls of %s/b2 (its 503 was lost)", id)
                .isGreaterThanOrEqualTo(2);
          }
          if (calls.count() > b2Started) {
            rerun.incrementAndGet();
          }
          if (spansCrash(history, "step.waiting b1", "step.completed b1 #1")) {
            delaysAcross.incrementAndGet();
          }
          if (spansCrash(history, "step.retrying b2 #1", "step.started b2 #2")) {
            retriesAcross.incrementAndGet();
          }
          Integer parkedCall = calls.parkedCall();
          if (parkedCall != null && parkedCall == 1) {
            assertThat(retried)
                .as("%s: attempt 1 was in flight at the crash and re-run", id)
                .isFalse();
            assertThat(calls.count()).as("calls of %s/b2", id).isEqualTo(2);
          } else if (parkedCall != null && parkedCall == 2) {
            assertThat(retried)
                .as("%s: attempt 2 was in flight at the crash and re-run", id)
                .isTrue();
            assertThat(calls.count()).as("calls of %s/b2", id).isEqualTo(3);
          } else if (!unsure.contains(n) && !TaskServer.parks(n)) {
            assertThat(calls.count()).as("calls of %s/b2", id).isIn(2, 3);
          }
        });
    phase(
        "verified %d instances of %s: %d re-ran an http attempt after the crash, %d completed b2"
            + " at attempt 1 because the 503 was lost; %d delays and %d retry waits spanned the"
            + " crash",
        all.size(),
        workflow,
        rerun.get(),
        withoutRetry.get(),
        delaysAcross.get(),
        retriesAcross.get());
    return new Stats(rerun.get(), delaysAcross.get(), retriesAcross.get());
  }

  /** Runs the check for every n on the pool; rethrows the first failure. */
  private static void forEach(ExecutorService pool, List<Integer> ns, Check check)
      throws Exception {
    List<Future<?>> futures = new ArrayList<>();
    for (int n : ns) {
      futures.add(
          pool.submit(
              () -> {
                check.run(n);
                return null;
              }));
    }
    for (Future<?> f : futures) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        futures.forEach(other -> other.cancel(true));
        if (e.getCause() instanceof Error error) {
          throw error;
        }
        throw e;
      }
    }
  }

  private interface Check {
    void run(int n) throws Exception;
  }

  /** Checks the instance's view; answers b2's attempts. */
  @SuppressWarnings("unchecked")
  private static int verifyInstance(int n, String id, Map<String, Object> instance) {
    assertThat(instance).containsEntry("id", id).containsEntry("status", "COMPLETED");
    assertThat(instance.get("key")).isEqualTo(key(n));
    assertThat((Map<String, Object>) instance.get("output"))
        .containsEntry("n", (long) n)
        .containsEntry("ok", true);
    assertThat((List<Object>) instance.get("timers")).as("timers of %s", id).isEmpty();
    List<Map<String, Object>> steps = (List<Map<String, Object>>) instance.get("steps");
    assertThat(steps.stream().map(s -> (String) s.get("id")))
        .as("steps of %s", id)
        .containsExactlyInAnyOrderElementsOf(STEPS);
    int b2Attempts = 0;
    for (Map<String, Object> s : steps) {
      assertThat(s.get("status")).as("%s step %s", id, s.get("id")).isEqualTo("COMPLETED");
      long attempts = (Long) s.get("attempts");
      if ("b2".equals(s.get("id"))) {
        assertThat(attempts).as("%s attempts of b2", id).isBetween(1L, 2L);
        b2Attempts = (int) attempts;
        assertThat((Map<String, Object>) s.get("output"))
            .as("%s output of b2", id)
            .containsEntry("status", 200L)
            .containsEntry("body", Map.of("ok", true));
      } else {
        assertThat(attempts).as("%s attempts of %s", id, s.get("id")).isEqualTo(1L);
      }
    }
    return b2Attempts;
  }

  /** Checks the history is each transition exactly once, in order; answers whether b2 retried. */
  @SuppressWarnings("unchecked")
  private static boolean verifyHistory(
      String id, List<Map<String, Object>> history, int b2Attempts) {
    List<String> eventIds = history.stream().map(e -> (String) e.get("id")).toList();
    assertThat(eventIds).as("event ids of %s", id).doesNotHaveDuplicates();
    for (int i = 0; i < eventIds.size(); i++) {
      assertThat(eventIds.get(i)).as("event %d of %s", i, id).isEqualTo(id + "-" + (i + 1));
      assertThat(history.get(i).get("subject")).isEqualTo(id);
    }
    List<String> described = history.stream().map(CrashRecoveryTest::describe).toList();
    assertThat(described.get(0)).as("first event of %s", id).isEqualTo("workflow.started");
    assertThat(described.get(described.size() - 1))
        .as("last event of %s: %s", id, described)
        .isEqualTo("workflow.completed");
    assertThat(count(history, "workflow.started", null)).isEqualTo(1);
    assertThat(count(history, "workflow.completed", null)).isEqualTo(1);
    assertThat(history.stream().map(e -> (String) e.get("type")))
        .as("history of %s", id)
        .doesNotContain("step.failed", "step.cancelled", "workflow.failed", "step.skipped");
    for (String step : STEPS) {
      List<String> ofStep =
          history.stream()
              .filter(e -> step.equals(((Map<String, Object>) e.get("data")).get("stepId")))
              .map(CrashRecoveryTest::describe)
              .toList();
      List<String> expected;
      if ("b1".equals(step)) {
        expected = List.of("step.started b1 #1", "step.waiting b1", "step.completed b1 #1");
      } else if ("b2".equals(step)) {
        expected =
            b2Attempts == 1
                ? List.of("step.started b2 #1", "step.completed b2 #1")
                : List.of(
                    "step.started b2 #1",
                    "step.retrying b2 #1",
                    "step.started b2 #2",
                    "step.completed b2 #2");
      } else {
        expected = List.of("step.started " + step + " #1", "step.completed " + step + " #1");
      }
      assertThat(ofStep).as("events of step %s of %s: %s", step, id, described).isEqualTo(expected);
    }
    int joinStarted = described.indexOf("step.started join #1");
    for (String need : List.of("b1", "b2", "b3")) {
      assertThat(
              described.indexOf(
                  "step.completed " + need + " #" + (need.equals("b2") ? b2Attempts : 1)))
          .as("%s completes before join starts in %s", need, id)
          .isLessThan(joinStarted);
    }
    // durable timers, also those rebuilt by the restarted node, fire when due and not before
    assertThat(
            Duration.between(
                time(history, "step.waiting b1"), time(history, "step.completed b1 #1")))
        .as("the delay b1 of %s", id)
        .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    if (b2Attempts == 2) {
      assertThat(
              Duration.between(
                  time(history, "step.retrying b2 #1"), time(history, "step.started b2 #2")))
          .as("the retry wait of b2 of %s (0.5 s with a jitter of 0.2)", id)
          .isGreaterThanOrEqualTo(Duration.ofMillis(400));
    }
    return b2Attempts == 2;
  }

  private static Instant time(List<Map<String, Object>> history, String described) {
    return history.stream()
        .filter(e -> describe(e).equals(described))
        .map(e -> Instant.parse((String) e.get("time")))
        .findFirst()
        .orElseThrow();
  }

  /** Whether the event {@code from} was written before the crash and {@code to} after it. */
  private static boolean spansCrash(List<Map<String, Object>> history, String from, String to) {
    Instant before = null;
    Instant after = null;
    for (Map<String, Object> e : history) {
      String d = describe(e);
      if (d.equals(from)) {
        before = Instant.parse((String) e.get("time"));
      } else if (d.equals(to)) {
        after = Instant.parse((String) e.get("time"));
      }
    }
    return before != null && after != null && before.isBefore(killedAt) && after.isAfter(killedAt);
  }

  @SuppressWarnings("unchecked")
  private static String describe(Map<String, Object> event) {
    Map<String, Object> data = (Map<String, Object>) event.get("data");
    String type = (String) event.get("type");
    Object step = data == null ? null : data.get("stepId");
    if (step == null) {
      return type;
    }
    Object attempt = data.get("attempt");
    return type + " " + step + (attempt == null ? "" : " #" + attempt);
  }

  @SuppressWarnings("unchecked")
  private static long count(List<Map<String, Object>> history, String type, String step) {
    return history.stream()
        .filter(e -> type.equals(e.get("type")))
        .filter(
            e -> step == null || step.equals(((Map<String, Object>) e.get("data")).get("stepId")))
        .count();
  }

  // ---- API helpers -----------------------------------------------------------------------------

  private static void save(Node node, String workflow) {
    String def =
        """
        {"id": "%s",
         "steps": [
           {"id": "a", "type": "transform", "with": {"n": "${input.n}"}},
           {"id": "b1", "type": "delay", "needs": ["a"], "with": {"duration": "PT2S"}},
           {"id": "b2", "type": "http", "needs": ["a"],
            "with": {"method": "POST",
                     "url": "%s?instance=${instance.id}&n=${input.n}",
                     "body": {"n": "${steps.a.output.n}"}},
            "retry": {"maxAttempts": 5, "initialInterval": "PT0.5S", "multiplier": 2,
                      "maxInterval": "PT2S"},
            "timeout": "PT10M"},
           {"id": "b3", "type": "transform", "needs": ["a"], "with": {"m": "${steps.a.output.n * 2}"}},
           {"id": "join", "type": "transform", "needs": ["b1", "b2", "b3"],
            "with": {"ok": "${steps.b2.output.body.ok}", "m": "${steps.b3.output.m}"}},
           {"id": "end", "type": "transform", "needs": ["join"], "with": {"done": true}}
         ],
         "output": {"n": "${input.n}", "ok": "${steps.join.output.ok}"}}
        """
            .formatted(workflow, tasks.url());
    Response r = node.put("/v1/workflows/" + workflow, def);
    assertThat(r.status).as("saving the workflow: %s", r.text).isIn(200, 201);
  }

  private static String key(int n) {
    return "crash-" + n;
  }

  private static String startBody(int n) {
    return "{\"input\":{\"n\":" + n + "},\"key\":\"" + key(n) + "\"}";
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(i);
    }
    return out;
  }

  /** Starts the instances n, waiting for every answer. */
  private static void startAll(
      ExecutorService pool,
      Node node,
      String workflow,
      List<Integer> ns,
      Map<Integer, String> ids,
      Map<Integer, String> failed)
      throws Exception {
    for (Future<?> f : submitAll(pool, node, workflow, ns, ids, failed)) {
      f.get(120, TimeUnit.SECONDS);
    }
  }

  /** Starts the instances n in the background: a 201 goes to ids, anything else to failed. */
  private static List<Future<?>> submitAll(
      ExecutorService pool,
      Node node,
      String workflow,
      List<Integer> ns,
      Map<Integer, String> ids,
      Map<Integer, String> failed) {
    List<Future<?>> futures = new ArrayList<>();
    for (int n : ns) {
      futures.add(
          pool.submit(
              () -> {
                try {
                  Response r = node.post("/v1/workflows/" + workflow + "/instances", startBody(n));
                  if (r.status == 201) {
                    ids.put(n, (String) r.json().get("id"));
                  } else {
                    failed.put(n, r.status + " " + r.text);
                  }
                } catch (RuntimeException e) {
                  failed.put(n, e.toString());
                }
              }));
    }
    return futures;
  }

  private static int count(Node node, String workflow, String status) {
    return list(node, workflow, status).size();
  }

  private static Map<String, String> statuses(Node node, String workflow) {
    Map<String, String> out = new HashMap<>();
    for (Map<String, Object> item : list(node, workflow, null)) {
      out.put((String) item.get("id"), (String) item.get("status"));
    }
    return out;
  }

  /** Every instance of the workflow (with the status, if given), following the cursor. */
  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Node node, String workflow, String status) {
    List<Map<String, Object>> out = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String cursor = null;
    do {
      String path =
          "/v1/instances?workflow="
              + workflow
              + "&limit=500"
              + (status == null ? "" : "&status=" + status)
              + (cursor == null ? "" : "&cursor=" + cursor);
      Response r = node.get(path);
      assertThat(r.status).as("GET %s: %s", path, r.text).isEqualTo(200);
      Map<String, Object> page = r.json();
      for (Map<String, Object> item : (List<Map<String, Object>>) page.get("items")) {
        assertThat(seen.add((String) item.get("id"))).as("listed twice: %s", item).isTrue();
        out.add(item);
      }
      cursor = (String) page.get("next");
    } while (cursor != null);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> history(Node node, String id) {
    Response r = node.get("/v1/instances/" + id + "/history");
    assertThat(r.status).as("history of %s: %s", id, r.text).isEqualTo(200);
    return (List<Map<String, Object>>) r.json().get("items");
  }

  private static Path tempDir() throws IOException {
    Path dir = Files.createTempDirectory("sluice-crash");
    synchronized (nodes) {
      dirs.add(dir);
    }
    return dir;
  }

  private record Response(int status, String text) {
    @SuppressWarnings("unchecked")
    Map<String, Object> json() {
      return (Map<String, Object>) Json.parse(text);
    }
  }

  // ---- the node, a child JVM -------------------------------------------------------------------

  private static final class Node {
    private final ChildJvm jvm;
    private final String name;

    private Node(ChildJvm jvm, String name) {
      this.jvm = jvm;
      this.name = name;
    }

    /** Starts a node on the data directory (any free port) and waits until it is ready. */
    static Node start(Path dir, String name) throws IOException {
      long t0 = System.nanoTime();
      Node node =
          new Node(
              ChildJvm.start(
                  childClassPath,
                  "768m",
                  dir.resolve(name + ".log"),
                  READY_WITHIN,
                  "--data.dir=" + dir.resolve("data"),
                  "--node.id=crash-test"),
              name);
      synchronized (nodes) {
        nodes.add(node);
      }
      phase(
          "%s ready on port %d after %d ms",
          name, node.jvm.port(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      return node;
    }

    boolean alive() {
      return jvm.alive();
    }

    /** SIGKILL, and wait until the process is gone. */
    void crash() throws InterruptedException {
      jvm.kill();
    }

    void kill() {
      if (!jvm.alive()) {
        return;
      }
      try {
        jvm.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    List<String> logLines(String containing) throws IOException {
      try (Stream<String> lines = Files.lines(jvm.log(), StandardCharsets.UTF_8)) {
        return lines.filter(l -> l.contains(containing)).toList();
      }
    }

    void printLog() {
      System.out.println("==== log of node " + name + " (" + jvm.log() + ")");
      try {
        List<String> lines = Files.readAllLines(jvm.log(), StandardCharsets.UTF_8);
        int from = Math.max(0, lines.size() - 400);
        if (from > 0) {
          System.out.println("... " + from + " lines before; warnings and errors among them:");
          lines.subList(0, from).stream()
              .filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))
              .limit(200)
              .forEach(System.out::println);
          System.out.println("... the last 400 lines:");
        }
        lines.subList(from, lines.size()).forEach(System.out::println);
      } catch (IOException e) {
        System.out.println("cannot read " + jvm.log() + ": " + e);
      }
    }

    Response get(String path) {
      return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    Response post(String path, String body) {
      return send(
          HttpRequest.newBuilder(uri(path))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    Response put(String path, String body) {
      return send(
          HttpRequest.newBuilder(uri(path))
              .header("Content-Type", "application/json")
              .PUT(HttpRequest.BodyPublishers.ofString(body)));
    }

    private URI uri(String path) {
      return URI.create("http://127.0.0.1:" + jvm.port() + path);
    }

    private static Response send(HttpRequest.Builder request) {
      try {
        HttpResponse<String> r =
            http.send(
                request.timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  // ---- the task server -------------------------------------------------------------------------

  /**
   * Answers the http step: 503 to the first call of an {@code Idempotency-Key}, 200 {@code
   * {"ok":true}} to the later ones. While parking is on, it holds the first call of instances with
   * {@code n % 10 == 1} and the second call of those with {@code n % 10 == 3} unanswered until
   * {@link #release()}.
   */
  static final class TaskServer implements AutoCloseable {
    /** The calls of one idempotency key. */
    static final class Calls {
      private final List<String> keysSeen = new ArrayList<>();
      private int count;
      private Integer parkedCall;

      synchronized int count() {
        return count;
      }

      synchronized Integer parkedCall() {
        return parkedCall;
      }

      /** The idempotency keys of the calls that named this key's instance in their url. */
      synchronized Set<String> keysSeenForInstance() {
        return Set.copyOf(keysSeen);
      }
    }

    private final com.sun.net.httpserver.HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Calls> byKey = new ConcurrentHashMap<>();
    private final Map<String, Calls> byInstance = new ConcurrentHashMap<>();
    private final AtomicInteger parkedNow = new AtomicInteger();
    private final Object lock = new Object();
    private boolean parking = true;

    TaskServer() throws IOException {
      server =
          com.sun.net.httpserver.HttpServer.create(
              new java.net.InetSocketAddress("127.0.0.1", 0), 256);
      server.setExecutor(executor);
      server.createContext("/task", this::handle);
      server.start();
    }

    static boolean parks(int n) {
      return n % 10 == 1 || n % 10 == 3;
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/task";
    }

    private void handle(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        String key = String.valueOf(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Calls calls = byKey.computeIfAbsent(key, k -> new Calls());
        int call;
        synchronized (calls) {
          call = ++calls.count;
        }
        Calls ofInstance =
            byInstance.computeIfAbsent(
                query.getOrDefault("instance", "?") + "/b2", k -> new Calls());
        synchronized (ofInstance) {
          ofInstance.keysSeen.add(key);
        }
        int n = Integer.parseInt(query.getOrDefault("n", "-1"));
        boolean park = (n % 10 == 1 && call == 1) || (n % 10 == 3 && call == 2);
        if (park && park(calls, call)) {
          return; // the node died meanwhile: nobody waits for an answer
        }
        byte[] body;
        int status;
        if (call == 1) {
          status = 503;
          body = "{\"error\":\"try again\"}".getBytes(StandardCharsets.UTF_8);
        } else {
          status = 200;
          body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
      } catch (IOException | RuntimeException e) {
        // the caller is gone (a killed node): nothing to answer
      }
    }

    /** Holds the call until parking ends; answers whether it was held. */
    private boolean park(Calls calls, int call) {
      synchronized (lock) {
        if (!parking) {
          return false;
        }
        synchronized (calls) {
          calls.parkedCall = call;
        }
        parkedNow.incrementAndGet();
        try {
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
          while (parking && System.nanoTime() < deadline) {
            lock.wait(1000);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          parkedNow.decrementAndGet();
        }
        return true;
      }
    }

    int parkedNow() {
      return parkedNow.get();
    }

    /** Ends parking: held calls end unanswered, later calls are answered at once. */
    void release() {
      synchronized (lock) {
        parking = false;
        lock.notifyAll();
      }
    }

    /** Parking starts again (for the next test). */
    void reset() {
      synchronized (lock) {
        parking = true;
      }
    }

    Calls calls(String key) {
      Calls calls = byKey.get(key);
      if (calls == null) {
        return null;
      }
      Calls seen = byInstance.get(key);
      Calls out = new Calls();
      synchronized (calls) {
        out.count = calls.count;
        out.parkedCall = calls.parkedCall;
      }
      if (seen != null) {
        synchronized (seen) {
          out.keysSeen.addAll(seen.keysSeen);
        }
      }
      return out;
    }

    String summary() {
      Map<Integer, Integer> histogram = new LinkedHashMap<>();
      byKey.values().forEach(c -> histogram.merge(c.count(), 1, Integer::sum));
      return "task server: "
          + byKey.size()
          + " keys; keys by number of calls: "
          + histogram
          + "; parked now: "
          + parkedNow.get();
    }

    private static Map<String, String> query(String raw) {
      Map<String, String> out = new HashMap<>();
      if (raw == null) {
        return out;
      }
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(
              pair.substring(0, eq),
              java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
      return out;
    }

    @Override
    public void close() {
      release();
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
