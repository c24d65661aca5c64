package io.sluice.scheduler;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
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
 * Keeps time for schedules. Schedules whose {@link CronSchedule}s are equal (same Quartz
 * expression, zone, {@code startAt} and {@code endAt}) form one group, and Quartz ({@code
 * RAMJobStore}) holds one one-shot trigger per group at the group's next {@link
 * CronSchedule#nextAfter} time, so the DST rules of {@link CronSchedule} hold (a Quartz {@code
 * CronTrigger} would fire the later instant of a repeated wall time). The trigger's job only sends
 * {@code <group>|<arm>|<nominal millis>} on the event bus. The consumer, on the owner's context,
 * arms the group's next slot and hands the slot to the group's members in slices of {@link #SLICE}
 * ids, one event-loop turn per slice: 10,000 schedules on {@code * * * * * ?} are one Quartz
 * trigger, one bus message and 40 short turns a second.
 *
 * <p>A member fires only slots after the instant it was added with ({@code after}): a schedule
 * resumed while its group's fire is on its way does not fire that slot. When a group's fire arrives
 * more than {@link #LATE_LIMIT} late (a stalled JVM, a suspended machine), the slot is still handed
 * over but the slots that followed it and are as late are skipped and reported through {@link
 * Fires#skipped}, instead of a burst of stale fires.
 *
 * <p>Threads: {@link #add}, {@link #remove}, {@link #groups} and the {@link Fires} callbacks run on
 * the context given to the constructor; {@link #start} and {@link #stop} may be called from any
 * thread. Quartz threads only put a message on the event bus. Arming a group is an in-memory {@code
 * RAMJobStore} call: once per group and slot, not per schedule.
 */
public final class Timetable {
  private static final Logger log = LoggerFactory.getLogger(Timetable.class);

  /** Members handed over per event-loop turn. */
  public static final int SLICE = 256;

  /** A slot this far behind when its group is re-armed is skipped, not fired late. */
  public static final Duration LATE_LIMIT = Duration.ofSeconds(5);

  /** What the timetable hands over, on its context. */
  public interface Fires {
    /**
     * The slot {@code nominal} is due for these members (a slice of one group, in the order they
     * were added).
     */
    void fire(List<String> ids, Instant nominal);

    /** {@code slots} slots of each of these members were skipped: the timer ran too late. */
    default void skipped(List<String> ids, int slots) {}
  }

  private static final class Group {
    final String name;
    final CronSchedule cron;
    final Map<String, Instant> members = new LinkedHashMap<>();
    long arm = -1; // the arm whose fire is awaited; -1 when none (ended or removed)
    JobKey job;

    Group(String name, CronSchedule cron) {
      this.name = name;
      this.cron = cron;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final Clock clock;
  private final Fires fires;
  private final int quartzThreads;
  private final String address = "sluice.scheduler.timetable." + UUID.randomUUID();
  private final Map<CronSchedule, Group> groups = new HashMap<>();
  private final Map<String, Group> byName = new HashMap<>();
  private final Map<String, Group> memberOf = new HashMap<>();
  private long groupNames;
  private long arms;
  private org.quartz.Scheduler quartz;
  private MessageConsumer<String> consumer;

  /**
   * @param context where members are added and removed and fires are handed over
   * @param quartzThreads Quartz worker threads (each fire is one bus send)
   */
  public Timetable(Vertx vertx, Context context, Clock clock, Fires fires, int quartzThreads) {
    this.vertx = vertx;
    this.context = context;
    this.clock = clock;
    this.fires = fires;
    this.quartzThreads = quartzThreads;
  }

  /** Starts Quartz (on a worker thread) and listens for its fires on the context. */
  public Future<Timetable> start() {
    return Future.<Timetable>future(
        p ->
            context.runOnContext(
                v ->
                    vertx
                        .executeBlocking(this::startQuartz)
                        .map(
                            q -> {
                              quartz = q;
                              consumer = vertx.eventBus().consumer(address, m -> onFire(m.body()));
                              return this;
                            })
                        .onComplete(p)));
  }

  private org.quartz.Scheduler startQuartz() throws SchedulerException {
    Properties props = new Properties();
    props.setProperty("org.quartz.scheduler.instanceName", address);
    props.setProperty("org.quartz.scheduler.instanceId", "AUTO");
    props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    props.setProperty("org.quartz.threadPool.threadCount", String.valueOf(quartzThreads));
    props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    props.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    org.quartz.Scheduler q = new StdSchedulerFactory(props).getScheduler();
    q.start();
    return q;
  }

  /**
   * Adds a member (or moves it to another group when its schedule changed): it fires the slots of
   * {@code cron} after {@code after}. On the context.
   */
  public void add(String id, CronSchedule cron, Instant after) {
    Group current = memberOf.get(id);
    if (current != null && current.cron.equals(cron)) {
      current.members.put(id, after);
      return;
    }
    remove(id);
    Group group = groups.get(cron);
    if (group == null) {
      group = new Group("g" + ++groupNames, cron);
      groups.put(cron, group);
      byName.put(group.name, group);
      arm(group, clock.instant());
    }
    group.members.put(id, after);
    memberOf.put(id, group);
  }

  /** Removes a member; a group without members is disarmed. On the context. */
  public void remove(String id) {
    Group group = memberOf.remove(id);
    if (group == null) {
      return;
    }
    group.members.remove(id);
    if (group.members.isEmpty()) {
      disarm(group);
      groups.remove(group.cron);
      byName.remove(group.name);
    }
  }

  /** How many groups (Quartz triggers at most) the members form. On the context. */
  public int groups() {
    return groups.size();
  }

  private void arm(Group group, Instant after) {
    Optional<Instant> next = group.cron.nextAfter(after);
    group.arm = -1;
    group.job = null;
    if (next.isEmpty()) {
      return; // ended (endAt passed): its members stay, nothing fires
    }
    long arm = ++arms;
    JobKey key = new JobKey(group.name + "#" + arm);
    JobDataMap data = new JobDataMap();
    data.put("vertx", vertx);
    data.put("address", address);
    data.put("message", group.name + "|" + arm + "|" + next.get().toEpochMilli());
    try {
      quartz.scheduleJob(
          JobBuilder.newJob(FireJob.class).withIdentity(key).usingJobData(data).build(),
          TriggerBuilder.newTrigger()
              .withIdentity(key.getName())
              .startAt(Date.from(next.get()))
              .withSchedule(
                  SimpleScheduleBuilder.simpleSchedule().withMisfireHandlingInstructionFireNow())
              .build());
      group.arm = arm;
      group.job = key;
    } catch (SchedulerException e) {
      log.error("could not arm {} ({} schedules) at {}", group.cron, group.members.size(), next, e);
    }
  }

  private void disarm(Group group) {
    JobKey job = group.job;
    group.arm = -1;
    group.job = null;
    if (job == null) {
      return;
    }
    try {
      quartz.deleteJob(job);
    } catch (SchedulerException e) {
      log.warn("could not disarm {}: {}", group.cron, e.toString());
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
    Group group = byName.get(parts[0]);
    if (group == null || group.arm != Long.parseLong(parts[1])) {
      return; // disarmed or re-armed meanwhile
    }
    Instant nominal = Instant.ofEpochMilli(Long.parseLong(parts[2]));
    Instant limit = clock.instant().minus(LATE_LIMIT);
    Instant after = nominal;
    if (nominal.isBefore(limit)) {
      List<Instant> late = group.cron.between(nominal, limit, 1_000_000);
      if (!late.isEmpty()) {
        after = late.get(late.size() - 1);
        List<String> ids = List.copyOf(group.members.keySet());
        log.warn(
            "the timer of {} ({} schedules) ran {} ms late: {} slot(s) skipped",
            group.cron,
            ids.size(),
            Duration.between(nominal, limit.plus(LATE_LIMIT)).toMillis(),
            late.size());
        fires.skipped(ids, late.size());
      }
    }
    arm(group, after);
    List<String> due = new ArrayList<>(group.members.size());
    group.members.forEach(
        (id, since) -> {
          if (nominal.isAfter(since)) {
            due.add(id);
          }
        });
    handOver(due, 0, nominal);
  }

  private void handOver(List<String> due, int from, Instant nominal) {
    int to = Math.min(due.size(), from + SLICE);
    try {
      fires.fire(due.subList(from, to), nominal);
    } catch (RuntimeException e) {
      log.error("fires of {} ({} to {}) failed", nominal, from, to, e);
    }
    if (to < due.size()) {
      context.runOnContext(v -> handOver(due, to, nominal));
    }
  }

  /** Stops listening and shuts Quartz down (on a worker thread). */
  public Future<Void> stop() {
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
