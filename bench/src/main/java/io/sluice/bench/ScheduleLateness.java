package io.sluice.bench;

import io.sluice.scheduler.CronSchedule;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import java.util.Properties;
import java.util.Set;
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
 * Fire lateness of the scheduler's timer path at N schedules firing every second: Quartz
 * (RAMJobStore, the same settings as {@code io.sluice.scheduler.Scheduler}) holds one one-shot
 * trigger per schedule at its next {@link CronSchedule} fire time, its job sends the fire on the
 * Vert.x event bus, and the consumer on an event loop re-arms the next fire and records lateness =
 * arrival on the event loop − nominal fire time. The store writes of a fire (event admission, last
 * fire, instance start) are not part of this measurement.
 *
 * <p>Run: {@code java -cp bench/target/classes:$(cat cp.txt) io.sluice.bench.ScheduleLateness
 * [schedules=10000] [seconds=20] [quartzThreads=2]} (add {@code -Dbatch=100} for Quartz's batch
 * trigger acquisition)
 */
public final class ScheduleLateness {
  private static final String ADDRESS = "bench.schedule.fires";

  private ScheduleLateness() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    CronSchedule cron = CronSchedule.parse("* * * * * ?", "UTC", null, null);
    Vertx vertx = Vertx.vertx();
    Properties props = new Properties();
    props.setProperty("org.quartz.scheduler.instanceName", "bench");
    props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
    props.setProperty("org.quartz.threadPool.threadCount", String.valueOf(threads));
    props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
    props.setProperty("org.quartz.jobStore.misfireThreshold", "1000");
    // -Dbatch=N: Quartz acquires up to N due triggers at once (the service uses 1, Quartz's
    // default)
    props.setProperty(
        "org.quartz.scheduler.batchTriggerAcquisitionMaxCount", System.getProperty("batch", "1"));
    Scheduler quartz = new StdSchedulerFactory(props).getScheduler();
    quartz.start();

    Instant warmUntil = Instant.now().plusSeconds(3);
    Instant end = warmUntil.plusSeconds(seconds);
    long[] lateness = new long[n * (seconds + 2)];
    int[] count = {0};
    CountDownLatch done = new CountDownLatch(1);
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
              if (!nominal.isBefore(warmUntil) && count[0] < lateness.length) {
                lateness[count[0]++] = now - nominal.toEpochMilli();
              }
              cron.nextAfter(nominal).ifPresent(next -> arm(quartz, vertx, parts[0], next));
            });
    Instant first = cron.nextAfter(Instant.now().plusSeconds(1)).orElseThrow();
    for (int i = 0; i < n; i++) {
      arm(quartz, vertx, "s" + i, first);
    }
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Thread.sleep(Math.max(0, warmUntil.toEpochMilli() - System.currentTimeMillis()));
    long cpu0 = os.getProcessCpuTime();
    long wall0 = System.nanoTime();
    done.await(seconds + 30L, TimeUnit.SECONDS);
    long cpu = os.getProcessCpuTime() - cpu0;
    long wall = System.nanoTime() - wall0;
    quartz.shutdown(false);
    vertx.close();
    long[] l = Arrays.copyOf(lateness, count[0]);
    Arrays.sort(l);
    double expected = (double) n * seconds;
    System.out.printf(
        "schedules=%d seconds=%d quartzThreads=%d fires=%d (expected ~%.0f) lateness ms p50=%d"
            + " p99=%d max=%d; CPU %.2f cores of %d%n",
        n,
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

  /** The job: hands the fire to the event bus. */
  public static final class Fire implements Job {
    @Override
    public void execute(JobExecutionContext ctx) {
      JobDataMap data = ctx.getMergedJobDataMap();
      ((Vertx) data.get("vertx")).eventBus().send(ADDRESS, (String) data.get("message"));
    }
  }
}
