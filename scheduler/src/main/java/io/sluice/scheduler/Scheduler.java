package io.sluice.scheduler;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.core.event.CloudEvent;
import io.sluice.definition.TriggerDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.event.Entry;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.orchestrator.store.Rx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
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
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.JobKey;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler service (SPEC §2 schedule triggers): one entry per {@code schedule} trigger of the
 * active workflow versions, built at start and kept current through {@link Definitions#listen} (a
 * new version reschedules, a delete unschedules).
 *
 * <p>Quartz ({@code RAMJobStore}) only keeps time: each schedule has one one-shot trigger at its
 * next fire time computed by {@link CronSchedule} (so the DST rules of {@link CronSchedule} hold),
 * and its job only sends the schedule id and the nominal fire time on the event bus. Everything
 * else runs on this service's Vert.x context and never blocks: the fire becomes a {@code
 * schedule.fired} CloudEvent ({@code source} {@code sluice/schedules/<workflowId>/<triggerIndex>},
 * {@code id} the nominal fire time in ISO form) handed to ingestion's admission, which stores it
 * once per (source, id) — several scheduler nodes firing the same slot store one event — and
 * publishes it to the router, which starts the workflow with the overlap policy.
 *
 * <p>State per schedule ({@code paused}, {@code lastFire}) lives in the {@code schedules}
 * collection, {@code _id} {@code <workflowId>/<triggerIndex>}; Quartz is rebuilt from it on start.
 * On start, a schedule with a {@code catchUpWindow} fires the slots it missed since its last fire
 * inside the window (oldest first, at most {@code maxCatchUp}); older missed slots are skipped,
 * logged and counted ({@link #skippedMissed()}).
 */
public final class Scheduler {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  public static final String TYPE = "schedule.fired";
  public static final String SOURCE_PREFIX = "sluice/schedules/";
  public static final String COLLECTION = "schedules";

  private final Vertx vertx;
  private final Orchestrator orchestrator;
  private final Admission admission;
  private final MongoCollection<Document> states;
  private final Clock clock;
  private final int maxCatchUp;
  private final String address = "sluice.scheduler.fires." + UUID.randomUUID();
  private final Map<String, Schedule> schedules = new TreeMap<>();
  private final AtomicLong skippedMissed = new AtomicLong();
  private final AtomicLong fired = new AtomicLong();
  private Context context;
  private org.quartz.Scheduler quartz;
  private MessageConsumer<String> consumer;
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

  public Scheduler(
      Vertx vertx,
      Orchestrator orchestrator,
      Admission admission,
      MongoCollection<Document> states,
      Clock clock,
      int maxCatchUp) {
    this.vertx = vertx;
    this.orchestrator = orchestrator;
    this.admission = admission;
    this.states = states;
    this.clock = clock;
    this.maxCatchUp = maxCatchUp;
  }

  /**
   * Publishes the scheduler's counters: {@code sluice.schedules.fired} (fires sent) and {@code
   * sluice.schedules.missed.skipped} (slots missed during downtime and skipped: outside the {@code
   * catchUpWindow} or past the catch-up bound).
   */
  public Scheduler bindMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
    io.micrometer.core.instrument.FunctionCounter.builder(
            "sluice.schedules.fired", fired, AtomicLong::get)
        .description("schedule fires sent as schedule.fired events")
        .register(registry);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "sluice.schedules.missed.skipped", skippedMissed, AtomicLong::get)
        .description("slots missed while Sluice was down that were not caught up")
        .register(registry);
    return this;
  }

  /** Starts Quartz, loads the schedules of the active definitions and their state, catches up. */
  public Future<Scheduler> start() {
    context = vertx.getOrCreateContext();
    Future<Scheduler> started =
        Future.future(p -> context.runOnContext(v -> doStart().onComplete(p)));
    return started;
  }

  private Future<Scheduler> doStart() {
    return vertx
        .executeBlocking(
            () -> {
              Properties props = new Properties();
              props.setProperty("org.quartz.scheduler.instanceName", address);
              props.setProperty("org.quartz.scheduler.instanceId", "AUTO");
              props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
              props.setProperty("org.quartz.threadPool.threadCount", "2");
              props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
              props.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
              org.quartz.Scheduler q = new StdSchedulerFactory(props).getScheduler();
              q.start();
              return q;
            })
        .compose(
            q -> {
              quartz = q;
              consumer = vertx.eventBus().consumer(address, m -> onFire(m.body()));
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
        .map(x -> this);
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
    old.keySet().forEach(this::disarm);
    old.keySet().forEach(schedules::remove);
    for (Schedule s : build(def)) {
      Schedule before = old.get(s.id());
      Schedule now = before == null ? s : s.with(before.paused(), before.lastFire());
      schedules.put(s.id(), now);
      arm(now);
    }
  }

  private void remove(String workflowId) {
    List<String> ids =
        schedules.values().stream()
            .filter(s -> s.def().id().equals(workflowId))
            .map(Schedule::id)
            .toList();
    ids.forEach(this::disarm);
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
      chain = chain.compose(v -> emit(s, slot).recover(e -> Future.succeededFuture()));
    }
    return chain;
  }

  /** Schedules the next fire of {@code s} in Quartz (nothing when paused or ended). */
  private void arm(Schedule s) {
    if (s == null) {
      return;
    }
    disarm(s.id());
    if (s.paused()) {
      return;
    }
    Instant now = clock.instant();
    Instant after = s.lastFire() != null && s.lastFire().isAfter(now) ? s.lastFire() : now;
    s.cron()
        .nextAfter(after)
        .ifPresent(
            next -> {
              JobDataMap data = new JobDataMap();
              data.put("vertx", vertx);
              data.put("address", address);
              data.put("message", s.id() + "|" + s.def().version() + "|" + next.toEpochMilli());
              try {
                quartz.scheduleJob(
                    JobBuilder.newJob(FireJob.class)
                        .withIdentity(s.id())
                        .usingJobData(data)
                        .build(),
                    java.util.Set.of(
                        TriggerBuilder.newTrigger()
                            .withIdentity(s.id())
                            .startAt(Date.from(next))
                            .withSchedule(
                                SimpleScheduleBuilder.simpleSchedule()
                                    .withMisfireHandlingInstructionFireNow())
                            .build()),
                    true);
              } catch (SchedulerException e) {
                log.error("could not schedule {} at {}", s.id(), next, e);
              }
            });
  }

  private void disarm(String id) {
    try {
      quartz.deleteJob(new JobKey(id));
    } catch (SchedulerException e) {
      log.warn("could not unschedule {}: {}", id, e.toString());
    }
  }

  /** The Quartz job: hands the fire to the event bus and returns. */
  public static final class FireJob implements Job {
    @Override
    public void execute(JobExecutionContext ctx) {
      JobDataMap data = ctx.getMergedJobDataMap();
      ((Vertx) data.get("vertx"))
          .eventBus()
          .send((String) data.get("address"), (String) data.get("message"));
    }
  }

  private void onFire(String message) {
    String[] parts = message.split("\\|");
    Schedule s = schedules.get(parts[0]);
    Instant nominal = Instant.ofEpochMilli(Long.parseLong(parts[2]));
    if (s == null || s.paused() || s.def().version() != Integer.parseInt(parts[1])) {
      return; // unscheduled, paused or rescheduled meanwhile
    }
    Schedule now = s.with(false, nominal);
    schedules.put(s.id(), now);
    arm(now);
    long delay = 0;
    if (s.jitter() != null && !s.jitter().isZero()) {
      delay = ThreadLocalRandom.current().nextLong(s.jitter().toMillis() + 1);
    }
    if (delay > 0) {
      vertx.setTimer(delay, t -> emit(now, nominal));
    } else {
      emit(now, nominal);
    }
  }

  /** The fire as a schedule.fired event, admitted through ingestion; records the last fire. */
  Future<Void> emit(Schedule s, Instant fireTime) {
    String iso = fireTime.toString();
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
    CloudEvent event =
        new CloudEvent(
            iso,
            SOURCE_PREFIX + s.id(),
            TYPE,
            fireTime,
            null,
            "application/json",
            null,
            data,
            Map.of());
    fired.incrementAndGet();
    return admission
        .admit(Entry.read(0, event, null), "scheduler")
        .compose(
            outcome ->
                Rx.first(
                    states.updateOne(
                        Filters.eq("_id", s.id()),
                        Updates.max("lastFire", Date.from(fireTime)),
                        new UpdateOptions().upsert(true))))
        .<Void>mapEmpty()
        .onFailure(e -> log.error("schedule {} fire {} was not admitted", s.id(), iso, e));
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
                    .compose(
                        r ->
                            Future.<Map<String, Object>>future(
                                p ->
                                    context.runOnContext(
                                        v -> {
                                          Schedule cur = schedules.get(id);
                                          if (cur != null) {
                                            Schedule next = cur.with(paused, cur.lastFire());
                                            schedules.put(id, next);
                                            arm(next);
                                            p.complete(describe(next));
                                          } else {
                                            p.complete(Map.of("id", id, "paused", paused));
                                          }
                                        }))));
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

  /** Slots missed during downtime that were skipped (outside the window or past the bound). */
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
    if (consumer != null) {
      consumer.unregister();
    }
    org.quartz.Scheduler q = quartz;
    if (q == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(
        () -> {
          q.shutdown(false);
          return null;
        });
  }
}
