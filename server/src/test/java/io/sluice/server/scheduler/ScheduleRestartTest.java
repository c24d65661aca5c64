package io.sluice.server.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.json.Json;
import io.sluice.orchestrator.store.Rx;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Schedules across a node restart on the same data directory: paused state and catch-up. */
class ScheduleRestartTest {
  private final HttpClient http = HttpClient.newHttpClient();
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
