package io.sluice.orchestrator.api;

import io.sluice.core.problem.ProblemException;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.StepError;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.store.TaskQueue;
import io.sluice.platform.Http;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /v1/tasks}: external workers take the tasks of {@code task} steps and complete or fail
 * them (SPEC §4). A taken task is held for its lease ({@code ?lease=PT5M} by default); one not
 * completed by then is taken again by the next worker (at-least-once: use the task id, which is the
 * same for every take of one attempt, to deduplicate side effects). A take may wait for a task
 * ({@code ?wait=PT30S}, at most {@code http.waitMax}): it is answered as soon as a task of the
 * queue is offered on this node, and tries the store again every second for tasks offered by other
 * nodes or whose lease ran out.
 */
public final class TaskRoutes {
  static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
  static final Duration MAX_LEASE = Duration.ofHours(24);

  /** Local event-bus address, plus the queue's name: a task of that queue was offered. */
  static final String OFFERED = "sluice.tasks.offered.";

  private static final long POLL_MS = 1_000;

  private final Engine engine;
  private final TaskQueue tasks;
  private final Clock clock;
  private final Duration waitMax;

  public TaskRoutes(Engine engine, TaskQueue tasks, Clock clock, Duration waitMax) {
    this.engine = engine;
    this.tasks = tasks;
    this.clock = clock;
    this.waitMax = waitMax;
  }

  /** The queue, telling waiting takes on this node when it offered a task. */
  public static TaskQueue notifying(TaskQueue queue, EventBus bus) {
    return new TaskQueue() {
      @Override
      public Future<Void> offer(Task task) {
        return queue
            .offer(task)
            .onSuccess(
                v ->
                    bus.publish(
                        OFFERED + task.queue(),
                        task.id(),
                        new DeliveryOptions().setLocalOnly(true)));
      }

      @Override
      public Future<Void> remove(String id) {
        return queue.remove(id);
      }

      @Override
      public Future<Task> take(String queueName, String worker, Duration lease, Instant now) {
        return queue.take(queueName, worker, lease, now);
      }
    };
  }

  public void mount(Router router) {
    router.post("/v1/tasks/:queue/take").handler(this::take);
    router.post("/v1/tasks/:id/complete").handler(this::complete);
    router.post("/v1/tasks/:id/fail").handler(this::fail);
  }

  private void take(RoutingContext ctx) {
    Duration asked = Http.duration(ctx, "lease", MAX_LEASE);
    Duration lease = asked == null || asked.isZero() ? DEFAULT_LEASE : asked;
    String worker = ctx.queryParams().get("worker");
    Duration wait = Http.duration(ctx, "wait", waitMax);
    long deadline = System.nanoTime() + (wait == null ? 0 : wait.toNanos());
    take(ctx, ctx.pathParam("queue"), worker, lease, deadline);
  }

  private void take(
      RoutingContext ctx, String queue, String worker, Duration lease, long deadline) {
    tasks
        .take(queue, worker, lease, clock.instant())
        .onSuccess(
            task -> {
              if (task == null) {
                long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0 || ctx.response().closed()) {
                  if (!ctx.response().closed()) {
                    ctx.response().setStatusCode(204).end();
                  }
                  return;
                }
                whenOffered(
                    ctx,
                    queue,
                    Math.min(POLL_MS, leftMs),
                    () -> take(ctx, queue, worker, lease, deadline));
                return;
              }
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("id", task.id());
              out.put("queue", task.queue());
              out.put("instanceId", task.instanceId());
              out.put("workflowId", task.workflowId());
              out.put("stepId", task.stepId());
              out.put("attempt", task.attempt());
              out.put("input", task.input());
              out.put("leaseUntil", task.leaseUntil().toString());
              Http.json(ctx, 200, out);
            })
        .onFailure(ctx::fail);
  }

  /** Runs {@code then} once: when a task of the queue is offered here, or after {@code ms}. */
  private static void whenOffered(RoutingContext ctx, String queue, long ms, Runnable then) {
    Vertx vertx = ctx.vertx();
    MessageConsumer<String> offers = vertx.eventBus().localConsumer(OFFERED + queue);
    boolean[] woken = {false};
    long[] timer = {-1};
    Runnable wake =
        () -> {
          if (woken[0]) {
            return;
          }
          woken[0] = true;
          vertx.cancelTimer(timer[0]);
          offers.unregister();
          then.run();
        };
    offers.handler(m -> wake.run());
    timer[0] = vertx.setTimer(Math.max(1, ms), t -> wake.run());
  }

  private void complete(RoutingContext ctx) {
    TaskId id = TaskId.parse(ctx.pathParam("id"));
    Map<String, Object> body = Http.objectBody(ctx);
    Object output = body.containsKey("output") ? body.get("output") : Map.of();
    InstanceRoutes.answer(
        ctx, engine.submit(id.instanceId, new Input.CompleteStep(id.stepId, id.attempt, output)));
  }

  private void fail(RoutingContext ctx) {
    TaskId id = TaskId.parse(ctx.pathParam("id"));
    Map<String, Object> body = Http.objectBody(ctx);
    String code = body.get("code") instanceof String c && !c.isBlank() ? c : "task.failed";
    String message =
        body.get("message") instanceof String m && !m.isBlank() ? m : "the worker failed";
    boolean retryable = !(body.get("retryable") instanceof Boolean b) || b;
    StepError error = new StepError(code, message, retryable, null);
    InstanceRoutes.answer(
        ctx, engine.submit(id.instanceId, new Input.FailTask(id.stepId, id.attempt, error)));
  }

  /** {@code <instanceId>:<stepId>:<attempt>}; the step id may itself hold colons. */
  private record TaskId(String instanceId, String stepId, int attempt) {
    static TaskId parse(String text) {
      int first = text.indexOf(':');
      int last = text.lastIndexOf(':');
      if (first > 0 && last > first + 1) {
        try {
          return new TaskId(
              text.substring(0, first),
              text.substring(first + 1, last),
              Integer.parseInt(text.substring(last + 1)));
        } catch (NumberFormatException e) {
          // not a task id
        }
      }
      throw ProblemException.of(ProblemException.Kind.NOT_FOUND, "there is no task '" + text + "'");
    }
  }
}
