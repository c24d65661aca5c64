package io.sluice.scheduler;

import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.TimeOrderedIds;
import io.sluice.definition.TriggerDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.admission.Outcome;
import io.sluice.ingestion.event.Entry;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.platform.Rx;
import io.sluice.router.routing.ScheduleStarts;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler service (SPEC §2 schedule triggers): one entry per {@code schedule} trigger of the
 * active workflow versions, built at start and kept current through {@link Definitions#listen} (a
 * new version reschedules, a delete unschedules).
 *
 * <p>Time is kept by a {@link Timetable}: schedules with equal {@link CronSchedule}s share one
 * Quartz trigger at their next {@link CronSchedule} fire time (so the DST rules of {@link
 * CronSchedule} hold), whose job only sends one message on the event bus per slot. Everything else
 * runs on this service's Vert.x context and never blocks: each due schedule's fire becomes a {@code
 * schedule.fired} CloudEvent ({@code source} {@code sluice/schedules/<workflowId>/<triggerIndex>},
 * {@code id} the nominal fire time in ISO form). The fires of one slot are handed to ingestion's
 * admission together ({@link Timetable#SLICE} at a time: one store insert), which stores each once
 * per (source, id) — several scheduler nodes firing the same slot store one event — and publishes
 * it to the router, which starts the workflow with the overlap policy; their {@code lastFire} is
 * then recorded in one bulk write. A schedule with {@code jitter} is admitted on its own after its
 * random delay.
 *
 * <p>State per schedule ({@code paused}, {@code lastFire}) lives in the {@code schedules}
 * collection, {@code _id} {@code <workflowId>/<triggerIndex>}; the timetable is rebuilt from it on
 * start. On start, a schedule with a {@code catchUpWindow} fires the slots it missed since its last
 * fire inside the window (oldest first, at most {@code maxCatchUp}); older missed slots are
 * skipped, logged and counted ({@link #skippedMissed()}). On start and every {@link #BUFFER_SWEEP},
 * the {@code bufferOne} fires kept in the store are resumed ({@link
 * ScheduleStarts#resumeBuffered}).
 */
public final class Scheduler {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  public static final String TYPE = "schedule.fired";
  public static final String SOURCE_PREFIX = "sluice/schedules/";
  public static final String COLLECTION = "schedules";

  /** How often buffered fires in the store are looked at (those a restart or another node left). */
  public static final Duration BUFFER_SWEEP = Duration.ofSeconds(10);

  private static final int QUARTZ_THREADS = 2;

  private final Vertx vertx;
  private final Orchestrator orchestrator;
  private final Admission admission;
  private final MongoCollection<Document> states;
  private final Clock clock;
  private final int maxCatchUp;
  private final Map<String, Schedule> schedules = new TreeMap<>();
  private final AtomicLong skippedMissed = new AtomicLong();
  private final AtomicLong fired = new AtomicLong();
  private final ScheduleStarts starts;
  private Context context;
  private Timetable timetable;
  private long sweep = -1;
  private volatile boolean stopped;

  /** One schedule trigger of the latest version of a workflow. */
  record Schedule(
      String id,
      WorkflowDefinition def,
      int index,
      TriggerDef.ScheduleTrigger trigger,
      CronSchedule cron,
      Duration jitter,
      Duration catchUpWindow,
      boolean paused,
      Instant lastFire) {
    Schedule with(boolean paused, Instant lastFire) {
      return new Schedule(id, def, index, trigger, cron, jitter, catchUpWindow, paused, lastFire);
    }
  }

  /** A scheduler with its own {@link ScheduleStarts} (for buffered fires). */
  public Scheduler(
      Vertx vertx,
      Orchestrator orchestrator,
      Admission admission,
      MongoCollection<Document> states,
      Clock clock,
      int maxCatchUp) {
    this(
        vertx,
        orchestrator,
        admission,
        states,
        clock,
        maxCatchUp,
        new ScheduleStarts(orchestrator, states, new TimeOrderedIds(clock)));
  }

  /** A scheduler resuming buffered fires through {@code starts}, the router's. */
  public Scheduler(
      Vertx vertx,
      Orchestrator orchestrator,
      Admission admission,
      MongoCollection<Document> states,
      Clock clock,
      int maxCatchUp,
      ScheduleStarts starts) {
    this.vertx = vertx;
    this.orchestrator = orchestrator;
    this.admission = admission;
    this.states = states;
    this.clock = clock;
    this.maxCatchUp = maxCatchUp;
    this.starts = starts;
  }

  /**
   * Publishes the scheduler's counters: {@code sluice.schedules.fired} (fires sent) and {@code
   * sluice.schedules.missed.skipped} (slots not fired: missed during downtime outside the {@code
   * catchUpWindow} or past the catch-up bound, or skipped because the timer ran more than {@link
   * Timetable#LATE_LIMIT} late).
   */
  public Scheduler bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.FunctionCounter.builder(
            "sluice.schedules.fired", fired, AtomicLong::get)
        .description("schedule fires sent as schedule.fired events")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "sluice.schedules.missed.skipped", skippedMissed, AtomicLong::get)
        .description(
            "slots not fired: missed while Sluice was down and not caught up, or skipped because"
                + " the timer ran too late")
        .register(registry);
    return this;
  }

  /**
   * Starts the timetable, loads the schedules of the active definitions and their state, catches
   * up, and resumes buffered fires.
   */
  public Future<Scheduler> start() {
    context = vertx.getOrCreateContext();
    timetable = new Timetable(vertx, context, clock, new Fires(), QUARTZ_THREADS);
    Future<Scheduler> started =
        Future.future(p -> context.runOnContext(v -> doStart().onComplete(p)));
    return started;
  }

  private Future<Scheduler> doStart() {
    return timetable
        .start()
        .compose(
            t -> {
              orchestrator
                  .definitions()
                  .listen(
                      new Definitions.Listener() {
                        @Override
                        public void saved(WorkflowDefinition latest) {
                          context.runOnContext(
                              v -> {
                                if (!stopped) {
                                  put(latest);
                                }
                              });
                        }

                        @Override
                        public void deleted(String workflowId) {
                          context.runOnContext(
                              v -> {
                                if (!stopped) {
                                  remove(workflowId);
                                }
                              });
                        }
                      });
              orchestrator
                  .changes()
                  .on(
                      CHANGES_TOPIC,
                      id ->
                          context.runOnContext(
                              v -> {
                                if (!stopped) {
                                  pausedElsewhere(id);
                                }
                              }));
              return orchestrator.definitions().store().heads();
            })
        .compose(
            heads -> {
              List<Future<Void>> loads = new ArrayList<>();
              heads.stream()
                  .filter(h -> !h.deleted())
                  .forEach(
                      h ->
                          loads.add(
                              orchestrator
                                  .definitions()
                                  .latest(h.id())
                                  .compose(this::load)
                                  .recover(e -> Future.succeededFuture())));
              return Future.join(loads);
            })
        .map(
            x -> {
              resumeBuffered();
              sweep = vertx.setPeriodic(BUFFER_SWEEP.toMillis(), id -> resumeBuffered());
              return this;
            });
  }

  private void resumeBuffered() {
    if (stopped) {
      return;
    }
    starts
        .resumeBuffered()
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info("{} buffered fire(s) started after their running instance ended", n);
              }
            })
        .onFailure(e -> log.warn("buffered fires not looked at: {}", e.toString()));
  }

  /** Loads the schedules of a definition with their stored state, catching up missed slots. */
  private Future<Void> load(WorkflowDefinition def) {
    List<Schedule> built = build(def);
    List<Future<Void>> all = new ArrayList<>();
    for (Schedule s : built) {
      all.add(
          Rx.first(states.find(Filters.eq("_id", s.id())).first())
              .compose(
                  doc -> {
                    boolean paused = doc != null && Boolean.TRUE.equals(doc.getBoolean("paused"));
                    Date last = doc == null ? null : doc.getDate("lastFire");
                    Schedule withState = s.with(paused, last == null ? null : last.toInstant());
                    schedules.put(s.id(), withState);
                    return catchUp(withState).onComplete(ar -> arm(schedules.get(s.id())));
                  }));
    }
    return Future.join(all).mapEmpty();
  }

  /** A new version: replace this workflow's schedules, keeping paused state and last fire. */
  private void put(WorkflowDefinition def) {
    Map<String, Schedule> old = new LinkedHashMap<>();
    schedules.values().stream()
        .filter(s -> s.def().id().equals(def.id()))
        .forEach(s -> old.put(s.id(), s));
    old.keySet().forEach(schedules::remove);
    for (Schedule s : build(def)) {
      Schedule before = old.remove(s.id());
      Schedule now = before == null ? s : s.with(before.paused(), before.lastFire());
      schedules.put(s.id(), now);
      arm(now);
    }
    old.keySet().forEach(timetable::remove);
  }

  private void remove(String workflowId) {
    List<String> ids =
        schedules.values().stream()
            .filter(s -> s.def().id().equals(workflowId))
            .map(Schedule::id)
            .toList();
    ids.forEach(timetable::remove);
    ids.forEach(schedules::remove);
  }

  /** The schedules of a definition: one per {@code schedule} entry of its {@code triggers}. */
  @SuppressWarnings("unchecked")
  static List<Schedule> build(WorkflowDefinition def) {
    List<Schedule> out = new ArrayList<>();
    Object raw = def.source() == null ? null : def.source().get("triggers");
    if (!(raw instanceof List<?> list)) {
      return out;
    }
    for (int i = 0; i < list.size() && i < def.triggers().size(); i++) {
      if (!(def.triggers().get(i) instanceof TriggerDef.ScheduleTrigger t)
          || !(list.get(i) instanceof Map<?, ?> entry)
          || !(entry.get("schedule") instanceof Map<?, ?> m)) {
        continue;
      }
      Map<String, Object> fields = (Map<String, Object>) m;
      CronSchedule cron =
          CronSchedule.parse(
              t.cron(), t.timezone(), instant(fields.get("startAt")), instant(fields.get("endAt")));
      out.add(
          new Schedule(
              def.id() + "/" + i,
              def,
              i,
              t,
              cron,
              duration(fields.get("jitter")),
              duration(fields.get("catchUpWindow")),
              false,
              null));
    }
    return out;
  }

  private static Instant instant(Object value) {
    return value instanceof String s ? OffsetDateTime.parse(s).toInstant() : null;
  }

  private static Duration duration(Object value) {
    return value instanceof String s ? Duration.parse(s) : null;
  }

  /** Fires the slots missed since the last fire that lie inside the catch-up window. */
  private Future<Void> catchUp(Schedule s) {
    if (s.catchUpWindow() == null || s.lastFire() == null || s.paused()) {
      return Future.succeededFuture();
    }
    Instant now = clock.instant();
    Instant windowStart = now.minus(s.catchUpWindow());
    Instant from = s.lastFire().isAfter(windowStart) ? s.lastFire() : windowStart;
    List<Instant> outside =
        s.lastFire().isBefore(windowStart)
            ? s.cron().between(s.lastFire(), windowStart, 100_000)
            : List.of();
    List<Instant> inside = s.cron().between(from, now, Integer.MAX_VALUE);
    int skipped = outside.size() + Math.max(0, inside.size() - maxCatchUp);
    if (inside.size() > maxCatchUp) {
      inside = inside.subList(inside.size() - maxCatchUp, inside.size());
    }
    if (skipped > 0) {
      skippedMissed.addAndGet(skipped);
      log.warn(
          "schedule {} missed {} fire(s) outside its catchUpWindow {} (or past the catch-up bound"
              + " {}) since its last fire {}: skipped",
          s.id(),
          skipped,
          s.catchUpWindow(),
          maxCatchUp,
          s.lastFire());
    }
    if (!inside.isEmpty()) {
      log.info("schedule {} catches up {} missed fire(s)", s.id(), inside.size());
    }
    Future<Void> chain = Future.succeededFuture();
    for (Instant slot : inside) {
      chain = chain.compose(v -> emit(List.of(s), slot).recover(e -> Future.succeededFuture()));
    }
    return chain;
  }

  /** Puts {@code s} in the timetable from now (or its last fire, if later); out when paused. */
  private void arm(Schedule s) {
    if (s == null) {
      return;
    }
    if (s.paused()) {
      timetable.remove(s.id());
      return;
    }
    Instant now = clock.instant();
    Instant after = s.lastFire() != null && s.lastFire().isAfter(now) ? s.lastFire() : now;
    timetable.add(s.id(), s.cron(), after);
  }

  /** What the timetable hands over, on this service's context. */
  private final class Fires implements Timetable.Fires {
    @Override
    public void fire(List<String> ids, Instant nominal) {
      List<Schedule> due = new ArrayList<>(ids.size());
      for (String id : ids) {
        Schedule s = schedules.get(id);
        if (s == null || s.paused() || (s.lastFire() != null && !nominal.isAfter(s.lastFire()))) {
          continue; // unscheduled, paused or fired meanwhile
        }
        Schedule now = s.with(false, nominal);
        schedules.put(id, now);
        long delay =
            s.jitter() == null || s.jitter().isZero()
                ? 0
                : ThreadLocalRandom.current().nextLong(s.jitter().toMillis() + 1);
        if (delay > 0) {
          vertx.setTimer(delay, t -> emit(List.of(now), nominal));
        } else {
          due.add(now);
        }
      }
      if (!due.isEmpty()) {
        emit(due, nominal);
      }
    }

    @Override
    public void skipped(List<String> ids, int slots) {
      skippedMissed.addAndGet((long) ids.size() * slots);
    }
  }

  /**
   * The slot of these schedules as schedule.fired events, admitted through ingestion in one call
   * (one store insert); then their last fire is recorded in one bulk write.
   */
  Future<Void> emit(List<Schedule> due, Instant fireTime) {
    String iso = fireTime.toString();
    List<Entry> entries = new ArrayList<>(due.size());
    for (Schedule s : due) {
      entries.add(Entry.read(entries.size(), event(s, fireTime, iso), null));
    }
    fired.addAndGet(due.size());
    return admission
        .admitAll(entries, "scheduler")
        .compose(
            outcomes -> {
              List<UpdateOneModel<Document>> updates = new ArrayList<>();
              for (int i = 0; i < outcomes.size(); i++) {
                if (outcomes.get(i) instanceof Outcome.Rejected r) {
                  log.error(
                      "schedule {} fire {} was refused: {} {}",
                      due.get(i).id(),
                      iso,
                      r.reason().getMessage(),
                      r.reason().problems());
                } else {
                  updates.add(
                      new UpdateOneModel<>(
                          Filters.eq("_id", due.get(i).id()),
                          Updates.max("lastFire", Date.from(fireTime)),
                          new UpdateOptions().upsert(true)));
                }
              }
              return updates.isEmpty()
                  ? Future.succeededFuture()
                  : Rx.first(states.bulkWrite(updates, new BulkWriteOptions().ordered(false)));
            })
        .<Void>mapEmpty()
        .onFailure(
            e ->
                log.error(
                    "{} schedule fire(s) at {} ({}{}) were not admitted",
                    due.size(),
                    iso,
                    due.get(0).id(),
                    due.size() > 1 ? ", ..." : "",
                    e));
  }

  private static CloudEvent event(Schedule s, Instant fireTime, String iso) {
    Object input;
    try {
      input = s.trigger().input().evaluate(Map.of("schedule", Map.of("fireTime", iso)));
    } catch (RuntimeException e) {
      log.warn("schedule {} fire {}: input failed: {}", s.id(), iso, e.toString());
      input = Map.of("error", String.valueOf(e.getMessage()));
    }
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("workflowId", s.def().id());
    data.put("version", (long) s.def().version());
    data.put("trigger", (long) s.index());
    data.put("fireTime", iso);
    data.put("input", input);
    return new CloudEvent(
        iso,
        SOURCE_PREFIX + s.id(),
        TYPE,
        fireTime,
        null,
        "application/json",
        null,
        data,
        Map.of());
  }

  /** Pauses or resumes a schedule; the state is stored first. Fails when the id is unknown. */
  public Future<Map<String, Object>> setPaused(String id, boolean paused) {
    return Future.<Schedule>future(
            p ->
                context.runOnContext(
                    v -> {
                      Schedule s = schedules.get(id);
                      if (s == null) {
                        p.fail(new IllegalArgumentException("no schedule " + id));
                      } else {
                        p.complete(s);
                      }
                    }))
        .compose(
            s ->
                Rx.first(
                        states.updateOne(
                            Filters.eq("_id", id),
                            Updates.set("paused", paused),
                            new UpdateOptions().upsert(true)))
                    .compose(r -> orchestrator.changes().publish(CHANGES_TOPIC, id))
                    .compose(
                        r ->
                            Future.<Map<String, Object>>future(
                                p ->
                                    context.runOnContext(
                                        v -> {
                                          Schedule next = applyPaused(id, paused);
                                          p.complete(
                                              next != null
                                                  ? describe(next)
                                                  : Map.of("id", id, "paused", paused));
                                        }))));
  }

  /** The change-feed topic of pause and resume; the ref is the schedule id. */
  static final String CHANGES_TOPIC = "schedules";

  /** Another node paused or resumed the schedule: take the stored state (on the context). */
  private void pausedElsewhere(String id) {
    Rx.first(states.find(Filters.eq("_id", id)).first())
        .onSuccess(
            doc ->
                context.runOnContext(
                    v -> {
                      Schedule cur = schedules.get(id);
                      if (doc == null || cur == null) {
                        return;
                      }
                      boolean paused = Boolean.TRUE.equals(doc.getBoolean("paused"));
                      if (paused != cur.paused()) {
                        applyPaused(id, paused);
                        log.info(
                            "schedule {} {} on another node", id, paused ? "paused" : "resumed");
                      }
                    }))
        .onFailure(e -> log.warn("reading the state of schedule {} failed", id, e));
  }

  /** Takes a paused state into memory and the timetable (on the context); null if unknown. */
  private Schedule applyPaused(String id, boolean paused) {
    Schedule cur = schedules.get(id);
    if (cur == null) {
      return null;
    }
    Schedule next = cur.with(paused, cur.lastFire());
    schedules.put(id, next);
    arm(next);
    return next;
  }

  /** Every schedule: id, workflow, cron, zone, state, last fire and next 5 fire times. */
  public Future<List<Map<String, Object>>> list() {
    return Future.future(
        p ->
            context.runOnContext(
                v -> {
                  List<Map<String, Object>> out = new ArrayList<>();
                  schedules.values().forEach(s -> out.add(describe(s)));
                  p.complete(out);
                }));
  }

  private Map<String, Object> describe(Schedule s) {
    Map<String, Object> out = new LinkedHashMap<>();
    Instant now = clock.instant();
    List<Instant> next = s.cron().next(now, 5);
    out.put("id", s.id());
    out.put("workflowId", s.def().id());
    out.put("version", (long) s.def().version());
    out.put("trigger", (long) s.index());
    out.put("cron", s.trigger().cron());
    out.put("timezone", s.trigger().timezone());
    out.put("overlap", s.trigger().overlap());
    out.put("state", s.paused() ? "paused" : next.isEmpty() ? "ended" : "active");
    out.put("lastFire", s.lastFire() == null ? null : s.lastFire().toString());
    out.put(
        "nextFireTimes", s.paused() ? List.of() : next.stream().map(Instant::toString).toList());
    return out;
  }

  /** Slots not fired: missed during downtime and not caught up, or skipped by a late timer. */
  public long skippedMissed() {
    return skippedMissed.get();
  }

  /** Fires handed to ingestion by this service. */
  public long fired() {
    return fired.get();
  }

  public Collection<String> ids() {
    return List.copyOf(schedules.keySet());
  }

  public Future<Void> stop() {
    stopped = true;
    if (sweep >= 0) {
      vertx.cancelTimer(sweep);
    }
    return timetable == null ? Future.succeededFuture() : timetable.stop();
  }
}
