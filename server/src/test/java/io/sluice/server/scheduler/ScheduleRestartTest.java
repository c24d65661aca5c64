package io.sluice.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.sluice.scheduler.Scheduler;
import io.sluice.server.Sluice;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules across a node restart on the same data directory: paused state, catch-up and a buffered
 * ({@code bufferOne}) fire.
 */
class ScheduleRestartTest {
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Path dir;
  private Sluice sluice;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("sluice-schedule-restart");
    sluice = node();
  }

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Sluice node() {
    return Sluice.start(
        SluiceConfig.defaults()
            .with(Setting.HTTP_PORT, 0)
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.DATA_DIR, dir));
  }

  private void restart() {
    sluice.stop();
    sluice = node();
  }

  private String send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + path))
            .header("Content-Type", "application/json");
    b =
        body == null
            ? b.method(method, HttpRequest.BodyPublishers.noBody())
            : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isLessThan(300);
    return r.body();
  }

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> instances(String workflow) throws Exception {
    return (List<Map<String, Object>>)
        ((Map<String, Object>)
                Json.parse(send("GET", "/v1/instances?workflow=" + workflow + "&limit=500", null)))
            .get("items");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> schedule(String id) throws Exception {
    List<Map<String, Object>> all =
        (List<Map<String, Object>>)
            ((Map<String, Object>) Json.parse(send("GET", "/v1/schedules", null))).get("schedules");
    return all.stream().filter(s -> s.get("id").equals(id)).findFirst().orElseThrow();
  }

  private static String workflow(String id, String extra) {
    return """
        {"id":"%s","triggers":[{"schedule":{"cron":"* * * * * ?","overlap":"allow"%s}}],
         "steps":[{"id":"a","type":"transform","with":{"n":1}}]}
        """
        .formatted(id, extra);
  }

  private Document state(String scheduleId) throws Exception {
    return Rx.first(
            sluice
                .database()
                .getCollection(Scheduler.COLLECTION)
                .find(Filters.eq("_id", scheduleId))
                .first())
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  private String bufferedEventId(String scheduleId) throws Exception {
    Document state = state(scheduleId);
    Document buffered = state == null ? null : state.get("buffered", Document.class);
    return buffered == null ? null : buffered.getString("eventId");
  }

  @Test
  void aBufferedFireStartsOnceWhenTheInstanceItWaitsForEndsAfterARestart() throws Exception {
    send(
        "PUT",
        "/v1/workflows/buffered",
        """
        {"id":"buffered","triggers":[{"schedule":{"cron":"* * * * * ?","overlap":"bufferOne"}}],
         "steps":[{"id":"w","type":"waitForEvent","with":{"type":"buffer.release",
           "timeout":"PT1H"}}]}
        """);
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffered").size() == 1);
    String running = (String) instances("buffered").get(0).get("id");
    await().atMost(Duration.ofSeconds(10)).until(() -> bufferedEventId("buffered/0") != null);
    send("POST", "/v1/schedules/buffered.0/pause", "");
    // a fire admitted just before the pause may still replace the buffered one: wait until it rests
    String[] buffered = {bufferedEventId("buffered/0")};
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              String now = bufferedEventId("buffered/0");
              boolean same = now.equals(buffered[0]);
              buffered[0] = now;
              return same;
            });
    await()
        .during(Duration.ofMillis(1500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> buffered[0].equals(bufferedEventId("buffered/0")));

    restart();

    assertThat(bufferedEventId("buffered/0")).as("kept in the store").isEqualTo(buffered[0]);
    await()
        .during(Duration.ofMillis(1000))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("buffered").size() == 1);
    // the instance that was running when the node stopped ends now, on the restarted node
    send(
        "POST",
        "/v1/events",
        """
        {"specversion":"1.0","id":"release-1","source":"test","type":"buffer.release","data":{}}
        """);
    await().atMost(Duration.ofSeconds(10)).until(() -> instances("buffered").size() == 2);
    Map<String, Object> started =
        instances("buffered").stream()
            .filter(i -> !running.equals(i.get("id")))
            .findFirst()
            .orElseThrow();
    assertThat(started.get("key")).isEqualTo("sluice/schedules/buffered/0/" + buffered[0]);
    await().atMost(Duration.ofSeconds(5)).until(() -> bufferedEventId("buffered/0") == null);
    assertThat(state("buffered/0").getString("lastInstanceId")).isEqualTo(started.get("id"));
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("buffered").size() == 2);
  }

  @Test
  void pausedStateSurvivesARestart() throws Exception {
    send("PUT", "/v1/workflows/paused", workflow("paused", ""));
    await().atMost(Duration.ofSeconds(10)).until(() -> !instances("paused").isEmpty());
    send("POST", "/v1/schedules/paused.0/pause", "");

    restart();

    assertThat(schedule("paused/0").get("state")).isEqualTo("paused");
    assertThat(schedule("paused/0").get("lastFire")).as("stored, reloaded").isNotNull();
    int before = instances("paused").size();
    await()
        .during(Duration.ofMillis(2500))
        .atMost(Duration.ofSeconds(5))
        .until(() -> instances("paused").size() == before);
    send("POST", "/v1/schedules/paused.0/resume", "");
    await().atMost(Duration.ofSeconds(5)).until(() -> instances("paused").size() > before);
  }

  @Test
  void missedSlotsInsideTheCatchUpWindowFireAndOlderOnesAreSkipped() throws Exception {
    send("PUT", "/v1/workflows/catchup", workflow("catchup", ",\"catchUpWindow\":\"PT5S\""));
    await().atMost(Duration.ofSeconds(10)).until(() -> !instances("catchup").isEmpty());
    send("POST", "/v1/schedules/catchup.0/pause", "");
    // simulated downtime: the last fire was 30 s ago, and the schedule is not paused
    Instant lastFire =
        Instant.now().minusSeconds(30).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Rx.first(
            sluice
                .database()
                .getCollection(Scheduler.COLLECTION)
                .updateOne(
                    Filters.eq("_id", "catchup/0"),
                    Updates.combine(
                        Updates.set("paused", false),
                        Updates.set("lastFire", Date.from(lastFire)))))
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);

    restart();
    Instant restarted = Instant.now();

    long skipped = sluice.scheduler().skippedMissed();
    assertThat(skipped).isBetween(22L, 28L);
    assertThat(send("GET", "/metrics", null))
        .as("the skipped slots are a metric too")
        .contains("sluice_schedules_missed_skipped_total " + (double) skipped);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                instances("catchup").stream()
                        .map(i -> String.valueOf(i.get("key")))
                        .map(k -> Instant.parse(k.substring(k.lastIndexOf('/') + 1)))
                        .filter(t -> t.isAfter(lastFire) && t.isBefore(restarted.minusSeconds(1)))
                        .count()
                    >= 3);
    long caughtUp =
        instances("catchup").stream()
            .map(i -> String.valueOf(i.get("key")))
            .map(k -> Instant.parse(k.substring(k.lastIndexOf('/') + 1)))
            .filter(t -> t.isAfter(lastFire) && t.isBefore(restarted.minusSeconds(6)))
            .count();
    assertThat(caughtUp).as("slots older than the window are not fired").isZero();
  }
}
