package io.sluice.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import io.sluice.platform.Rx;
import io.sluice.scheduler.Scheduler;
import io.sluice.server.Sluice;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Schedule triggers end to end: second-granularity crons with bounded awaits. */
class ScheduleTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> instances(String workflow) {
    return (List<Map<String, Object>>)
        client.get("/v1/instances?workflow=" + workflow + "&limit=500").json().get("items");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> schedule(String id) {
    Map<String, Object> page = client.get("/v1/schedules").json();
    List<Map<String, Object>> all = (List<Map<String, Object>>) page.get("items");
    assertThat(page.get("schedules")).as("the first version's name, kept").isEqualTo(all);
    return all.stream().filter(s -> s.get("id").equals(id)).findFirst().orElseThrow();
  }

  private static String everySecond(String id, String overlap, String steps) {
    return """
        {"id":"%s","triggers":[{"schedule":{"cron":"* * * * * ?","overlap":"%s",
           "input":{"at":"${schedule.fireTime}","fixed":7}}}],
         "steps":%s}
        """
        .formatted(id, overlap, steps);
  }

  private static final String QUICK = "[{\"id\":\"a\",\"type\":\"transform\",\"with\":{\"n\":1}}]";
  private static final String STUCK =
      "[{\"id\":\"w\",\"type\":\"waitForEvent\",\"with\":{\"type\":\"never.happens\","
          + "\"timeout\":\"PT1H\"}}]";

  private long count(String workflow, String status) {
    return instances(workflow).stream().filter(i -> status.equals(i.get("status"))).count();
  }

  @Test
  void aScheduleFiresEventsThatStartItsWorkflowWithTheInputTemplate() {
    client.put("/v1/workflows/tick", everySecond("tick", "allow", QUICK));

    await().atMost(Duration.ofSeconds(10)).until(() -> instances("tick").size() >= 2);
    Map<String, Object> s = schedule("tick/0");
    assertThat(s.get("state")).isEqualTo("active");
    assertThat((List<?>) s.get("nextFireTimes")).hasSize(5);
    assertThat(s.get("lastFire")).isNotNull();
    String id = (String) instances("tick").get(0).get("id");
    var instance = client.get("/v1/instances/" + id).json();
    assertThat(instance.toString()).contains("fixed=7").contains("at=20");
    // the fire is a stored event, visible in GET /v1/events
    assertThat(client.get("/v1/events?type=schedule.fired&limit=50").text())
        .contains("sluice/schedules/tick/0");
    client.delete("/v1/workflows/tick");
  }

  @Test
  void skipStartsNothingWhileThePreviousInstanceRuns() {
    client.put("/v1/workflows/skipper", everySecond("skipper", "skip", STUCK));
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("skipper").size() == 1);
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("skipper").size() == 1);
    client.delete("/v1/workflows/skipper");
  }

  @Test
  void allowStartsAnotherWhileThePreviousRuns() {
    client.put("/v1/workflows/allower", everySecond("allower", "allow", STUCK));
    await().atMost(Duration.ofSeconds(10)).until(() -> count("allower", "RUNNING") >= 2);
    client.delete("/v1/workflows/allower");
  }

  @Test
  void cancelOtherCancelsThePreviousAndStarts() {
    client.put("/v1/workflows/canceller", everySecond("canceller", "cancelOther", STUCK));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> count("canceller", "CANCELLED") >= 1 && count("canceller", "RUNNING") == 1);
    client.delete("/v1/workflows/canceller");
  }

  @Test
  void bufferOneStartsTheNewestFireWhenThePreviousEnds() {
    String shortWait =
        "[{\"id\":\"w\",\"type\":\"waitForEvent\",\"with\":{\"type\":\"never.happens\","
            + "\"timeout\":\"PT3S\"}}]";
    client.put("/v1/workflows/buffer", everySecond("buffer", "bufferOne", shortWait));
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffer").size() == 1);
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> instances("buffer").size() == 1);
    // the first ends after 3 s: the buffered fire starts at once, not one per missed second
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffer").size() >= 2);
    List<Map<String, Object>> runs =
        instances("buffer").stream()
            .map(i -> client.get("/v1/instances/" + i.get("id")).json())
            .sorted(java.util.Comparator.comparing(i -> String.valueOf(i.get("startedAt"))))
            .toList();
    assertThat(runs.get(0).get("endedAt")).as("the first has ended").isNotNull();
    assertThat(String.valueOf(runs.get(1).get("startedAt")))
        .as("the buffered fire started after the first ended")
        .isGreaterThanOrEqualTo(String.valueOf(runs.get(0).get("endedAt")));
    client.delete("/v1/workflows/buffer");
  }

  @Test
  void pauseStopsFiresAndResumeRestartsThem() {
    client.put("/v1/workflows/pausable", everySecond("pausable", "allow", QUICK));
    await().atMost(Duration.ofSeconds(10)).until(() -> !instances("pausable").isEmpty());
    var paused = client.post("/v1/schedules/pausable.0/pause", "");
    assertThat(paused.status()).as(paused.text()).isEqualTo(200);
    assertThat(schedule("pausable/0").get("state")).isEqualTo("paused");
    await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(3)).until(() -> true);
    int before = instances("pausable").size();
    await()
        .during(Duration.ofMillis(2200))
        .atMost(Duration.ofSeconds(4))
        .until(() -> instances("pausable").size() == before);
    assertThat(client.post("/v1/schedules/pausable%2F0/resume", "").status()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(5)).until(() -> instances("pausable").size() > before);
    assertThat(client.post("/v1/schedules/nope.0/pause", "").status()).isEqualTo(404);
    client.delete("/v1/workflows/pausable");
  }

  @Test
  void aNewVersionReschedulesAndADeleteUnschedules() {
    client.put("/v1/workflows/versioned", everySecond("versioned", "allow", QUICK));
    await().atMost(Duration.ofSeconds(10)).until(() -> !instances("versioned").isEmpty());
    client.put(
        "/v1/workflows/versioned",
        """
        {"id":"versioned","triggers":[{"event":{"type":"nothing.here"}},
           {"schedule":{"cron":"* * * * * ?","overlap":"allow","input":{"v":2}}}],
         "steps":[{"id":"a","type":"transform","with":{"n":2}}]}
        """);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                instances("versioned").stream()
                    .anyMatch(i -> ((Number) i.get("version")).intValue() == 2));
    assertThat(schedule("versioned/1").get("version")).isEqualTo(2L);
    client.delete("/v1/workflows/versioned");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> all =
        (List<Map<String, Object>>) client.get("/v1/schedules").json().get("schedules");
    assertThat(all).noneMatch(s -> s.get("workflowId").equals("versioned"));
  }

  @Test
  void jitterDelaysTheFireButKeepsTheNominalSlotAsTheEventId() {
    client.put(
        "/v1/workflows/jittery",
        """
        {"id":"jittery","triggers":[{"schedule":{"cron":"* * * * * ?","overlap":"allow",
           "jitter":"PT0.5S"}}],
         "steps":[{"id":"a","type":"transform","with":{"n":1}}]}
        """);
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("jittery").size() >= 2);
    client.delete("/v1/workflows/jittery");
    assertThat(instances("jittery"))
        .allSatisfy(
            i ->
                assertThat(String.valueOf(i.get("key")))
                    .matches(
                        "sluice/schedules/jittery/0/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ"));
  }

  @Test
  void aScheduleWhoseEndAtHasPassedIsEndedAndNeverFires() {
    client.put(
        "/v1/workflows/ended",
        """
        {"id":"ended","triggers":[{"schedule":{"cron":"* * * * * ?",
           "startAt":"2020-01-01T00:00:00Z","endAt":"2020-01-02T00:00:00Z"}}],
         "steps":[{"id":"a","type":"transform","with":{"n":1}}]}
        """);
    Map<String, Object> s = schedule("ended/0");
    assertThat(s.get("state")).isEqualTo("ended");
    assertThat((List<?>) s.get("nextFireTimes")).isEmpty();
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(3))
        .until(() -> instances("ended").isEmpty());
    client.delete("/v1/workflows/ended");
  }

  private Scheduler secondService() throws Exception {
    Sluice sluice = node.sluice();
    return new Scheduler(
            sluice.vertx(),
            sluice.orchestrator(),
            sluice.ingestion().admission(),
            sluice.database().getCollection(Scheduler.COLLECTION),
            Clock.systemUTC(),
            100)
        .start()
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private String bufferedEventId(String scheduleId) throws Exception {
    Document state =
        Rx.first(
                node.sluice()
                    .database()
                    .getCollection(Scheduler.COLLECTION)
                    .find(Filters.eq("_id", scheduleId))
                    .first())
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    Document buffered = state == null ? null : state.get("buffered", Document.class);
    return buffered == null ? null : buffered.getString("eventId");
  }

  @Test
  void aBufferedFireIsStartedOnceWhileTwoSchedulerServicesWaitForIt() throws Exception {
    client.put(
        "/v1/workflows/buffer2",
        """
        {"id":"buffer2","triggers":[{"schedule":{"cron":"* * * * * ?","overlap":"bufferOne"}}],
         "steps":[{"id":"w","type":"waitForEvent","with":{"type":"buffer2.release",
           "timeout":"PT1H"}}]}
        """);
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffer2").size() == 1);
    String running = (String) instances("buffer2").get(0).get("id");
    await().atMost(Duration.ofSeconds(10)).until(() -> bufferedEventId("buffer2/0") != null);
    // a second service joins while the fire is buffered: it finds it in the store and waits too
    Scheduler second = secondService();
    try {
      assertThat(
              second
                  .setPaused("buffer2/0", true)
                  .toCompletionStage()
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS))
          .containsEntry("state", "paused");
      assertThat(client.post("/v1/schedules/buffer2.0/pause", "").status()).isEqualTo(200);
      String[] buffered = {bufferedEventId("buffer2/0")};
      await()
          .during(Duration.ofMillis(1500))
          .atMost(Duration.ofSeconds(8))
          .until(
              () -> {
                String now = bufferedEventId("buffer2/0");
                boolean same = now.equals(buffered[0]);
                buffered[0] = now;
                return same;
              });

      client.post(
          "/v1/events",
          """
          {"specversion":"1.0","id":"release-2","source":"test","type":"buffer2.release",
           "data":{}}
          """);

      await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffer2").size() == 2);
      String started =
          instances("buffer2").stream()
              .filter(i -> !running.equals(i.get("id")))
              .map(i -> String.valueOf(i.get("key")))
              .findFirst()
              .orElseThrow();
      assertThat(started).isEqualTo("sluice/schedules/buffer2/0/" + buffered[0]);
      await()
          .during(Duration.ofMillis(2500))
          .atMost(Duration.ofSeconds(5))
          .until(() -> instances("buffer2").size() == 2);
      assertThat(bufferedEventId("buffer2/0")).isNull();
    } finally {
      second.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      client.delete("/v1/workflows/buffer2");
    }
  }

  @Test
  void twoSchedulerServicesOnOneStoreStartOneInstancePerSlot() throws Exception {
    Scheduler second = secondService();
    try {
      client.put("/v1/workflows/twice", everySecond("twice", "allow", QUICK));
      await().atMost(Duration.ofSeconds(10)).until(() -> instances("twice").size() >= 3);
      assertThat(second.fired()).isPositive();
      client.delete("/v1/workflows/twice");
      List<Map<String, Object>> all = instances("twice");
      List<Object> keys = all.stream().map(i -> i.get("key")).distinct().toList();
      assertThat(keys).as("one instance per slot").hasSize(all.size());
      assertThat(all.stream().map(i -> String.valueOf(i.get("key"))))
          .allMatch(k -> k.startsWith("sluice/schedules/twice/0/20"));
    } finally {
      second.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }
}
