package io.sluice.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The timetable: one timer per distinct cron schedule, handed over to its members in slices. */
class TimetableTest {
  private static final CronSchedule EVERY_SECOND =
      CronSchedule.parse("* * * * * ?", "UTC", null, null);

  /** A clock that can be moved ahead of the real one. */
  private static final class MovableClock extends Clock {
    final AtomicLong aheadMillis = new AtomicLong();

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.now().plusMillis(aheadMillis.get());
    }
  }

  private final Map<String, List<Instant>> fired = new ConcurrentHashMap<>();
  private final List<Integer> sliceSizes = new CopyOnWriteArrayList<>();
  private final AtomicInteger skippedSlots = new AtomicInteger();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final MovableClock clock = new MovableClock();
  private Vertx vertx;
  private Context context;
  private Timetable timetable;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    Timetable.Fires fires =
        new Timetable.Fires() {
          @Override
          public void fire(List<String> ids, Instant nominal) {
            threads.add(Thread.currentThread());
            sliceSizes.add(ids.size());
            ids.forEach(
                id -> fired.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(nominal));
          }

          @Override
          public void skipped(List<String> ids, int slots) {
            skippedSlots.addAndGet(slots);
          }
        };
    timetable = new Timetable(vertx, context, clock, fires, 2);
    timetable.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    timetable.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private <T> T onContext(Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    context.runOnContext(v -> result.complete(action.get()));
    return result.get(10, TimeUnit.SECONDS);
  }

  @Test
  void schedulesWithEqualCronSchedulesShareOneTimerAndAreHandedOverInSlices() throws Exception {
    int n = Timetable.SLICE * 2 + 10;
    int groups =
        onContext(
            () -> {
              Instant now = clock.instant();
              for (int i = 0; i < n; i++) {
                timetable.add("s" + i, EVERY_SECOND, now);
              }
              return timetable.groups();
            });

    assertThat(groups).as("one timer for all of them").isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fired.size() == n && fired.values().stream().allMatch(l -> l.size() >= 2));
    Instant first = fired.get("s0").get(0);
    assertThat(fired.values()).allSatisfy(l -> assertThat(l).contains(first));
    assertThat(first.getNano()).as("a whole second: the nominal slot").isZero();
    assertThat(sliceSizes)
        .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(Timetable.SLICE));
    assertThat(threads)
        .as("handed over on the owner's context")
        .allSatisfy(t -> assertThat(t.getName()).startsWith("vert.x-eventloop-thread"));
  }

  @Test
  void equalSchedulesWrittenDifferentlyShareATimerAndOtherZonesOrBoundsDoNot() throws Exception {
    int groups =
        onContext(
            () -> {
              Instant now = clock.instant();
              timetable.add("unix", CronSchedule.parse("* * * * *", "UTC", null, null), now);
              timetable.add("quartz", CronSchedule.parse("0 * * * * ?", null, null, null), now);
              timetable.add(
                  "berlin", CronSchedule.parse("0 * * * * ?", "Europe/Berlin", null, null), now);
              timetable.add(
                  "bounded",
                  CronSchedule.parse(
                      "0 * * * * ?", "UTC", null, Instant.parse("2999-01-01T00:00:00Z")),
                  now);
              return timetable.groups();
            });

    assertThat(groups).isEqualTo(3);
  }

  @Test
  void aMemberFiresOnlySlotsAfterTheInstantItWasAddedWith() throws Exception {
    Instant later = onContext(() -> clock.instant().plusSeconds(2));
    onContext(
        () -> {
          timetable.add("now", EVERY_SECOND, clock.instant());
          timetable.add("later", EVERY_SECOND, later);
          return null;
        });

    await().atMost(Duration.ofSeconds(10)).until(() -> fired.containsKey("later"));
    assertThat(fired.get("later")).allSatisfy(t -> assertThat(t).isAfter(later));
    assertThat(fired.get("now").get(0)).isBefore(later);
  }

  @Test
  void removingTheLastMemberDisarmsItsTimer() throws Exception {
    onContext(
        () -> {
          timetable.add("a", EVERY_SECOND, clock.instant());
          timetable.add("b", EVERY_SECOND, clock.instant());
          return null;
        });
    await().atMost(Duration.ofSeconds(10)).until(() -> fired.containsKey("a"));

    int groups =
        onContext(
            () -> {
              timetable.remove("a");
              timetable.remove("b");
              timetable.remove("never-added");
              return timetable.groups();
            });
    List<Instant> before = new ArrayList<>(fired.get("a"));

    assertThat(groups).isZero();
    await()
        .during(Duration.ofMillis(2200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> fired.get("a").equals(before));
  }

  @Test
  void aFireThatArrivesFarTooLateSkipsTheSlotsThatAreAsLateInsteadOfBursting() throws Exception {
    onContext(
        () -> {
          timetable.add("a", EVERY_SECOND, clock.instant());
          return null;
        });
    // the machine "stalls": by the time the fire is handled, the clock is 30 s further
    clock.aheadMillis.set(30_000);

    await().atMost(Duration.ofSeconds(10)).until(() -> fired.containsKey("a"));
    await().atMost(Duration.ofSeconds(5)).until(() -> skippedSlots.get() > 0);
    assertThat(skippedSlots.get()).isBetween(20, 30);
    assertThat(fired.get("a")).as("the late slot itself is handed over once").hasSize(1);
  }
}
