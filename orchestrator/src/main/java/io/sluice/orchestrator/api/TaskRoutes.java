package io.sluice.orchestrator.api;

import io.sluice.core.problem.ProblemException;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.StepError;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.store.TaskQueue;
import io.sluice.platform.Http;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /v1/tasks}: external workers take the tasks of {@code task} steps and complete or fail
 * them (SPEC §4). A taken task is held for its lease ({@code ?lease=PT5M} by default); one not
 * completed by then is taken again by the next worker (at-least-once: use the task id, which is the
 * same for every take of one attempt, to deduplicate side effects).
 */
public final class TaskRoutes {
  static final Duration DEFAULT_LEASE = Duration.ofMinutes(5);
  static final Duration MAX_LEASE = Duration.ofHours(24);

  private final Engine engine;
  private final TaskQueue tasks;
  private final Clock clock;

  public TaskRoutes(Engine engine, TaskQueue tasks, Clock clock) {
    this.engine = engine;
    this.tasks = tasks;
    this.clock = clock;
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
    tasks
        .take(ctx.pathParam("queue"), worker, lease, clock.instant())
        .onSuccess(
            task -> {
              if (task == null) {
                ctx.response().setStatusCode(204).end();
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
