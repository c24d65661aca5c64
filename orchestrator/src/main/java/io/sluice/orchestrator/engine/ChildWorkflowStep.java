package io.sluice.orchestrator.engine;

import io.sluice.core.id.IdGenerator;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.orchestrator.domain.StepState;
import io.sluice.orchestrator.domain.StepStatus;
import io.sluice.orchestrator.steps.StepFailure;
import io.sluice.orchestrator.steps.StepRequest;
import io.sluice.orchestrator.steps.StepType;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code workflow} step (SPEC §4): runs another workflow as a child and waits for it. {@code
 * with}: {@code id}, {@code version} (default: the latest), {@code input} (default {}; checked
 * against the child's {@code input.schema}).
 *
 * <p>One child per attempt: its key is {@code <parent instance>/<step>/<attempt>}, so an attempt
 * that runs again (a restart re-runs running attempts) finds its child instead of starting a second
 * one, and a retry of the step starts a new child. The step completes with the child's output, or
 * fails with code {@code workflow.failed}, {@code workflow.timed_out} or {@code
 * workflow.cancelled}. While it waits it looks every {@link #POLL} at the child (a read, so a child
 * advanced by another node is seen) and at its own attempt: when the parent no longer runs it
 * (cancelled, timed out, failed elsewhere), the child is cancelled. A chain of children deeper than
 * {@link #MAX_DEPTH} fails with code {@code workflow.depth}, which stops a workflow that runs
 * itself.
 */
final class ChildWorkflowStep implements StepType {
  static final String NAME = "workflow";
  static final int MAX_DEPTH = 10;
  static final Duration POLL = Duration.ofSeconds(5);

  private final Engine engine;
  private final Definitions definitions;
  private final InputSchemas inputSchemas;
  private final IdGenerator ids;

  ChildWorkflowStep(
      Engine engine, Definitions definitions, InputSchemas inputSchemas, IdGenerator ids) {
    this.engine = engine;
    this.definitions = definitions;
    this.inputSchemas = inputSchemas;
    this.ids = ids;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The key of the child an attempt starts (and finds again). */
  static String childKey(String parentId, String stepId, int attempt) {
    return parentId + "/" + stepId + "/" + attempt;
  }

  @Override
  public Future<Object> execute(StepRequest request) {
    Map<?, ?> with = request.with() instanceof Map<?, ?> m ? m : Map.of();
    if (!(with.get("id") instanceof String childId) || childId.isBlank()) {
      return Future.failedFuture(
          new StepFailure(
              "workflow.id",
              "expected the child workflow's 'id', but got " + with.get("id"),
              false));
    }
    Object input = with.containsKey("input") ? with.get("input") : new LinkedHashMap<>();
    Object version = with.get("version");
    return depth(request.instanceId(), 1)
        .compose(
            depth -> {
              if (depth >= MAX_DEPTH) { // the child would be one level deeper
                return Future.failedFuture(
                    new StepFailure(
                        "workflow.depth",
                        "workflows nest "
                            + MAX_DEPTH
                            + " deep at most (a workflow that runs itself?): child '"
                            + childId
                            + "' not started",
                        false));
              }
              return definition(childId, version);
            })
        .compose(
            def -> {
              try {
                inputSchemas.check(def, input);
              } catch (ProblemException invalid) {
                return Future.failedFuture(
                    new StepFailure(
                        "workflow.input", invalid.getMessage() + ": " + invalid.problems(), false));
              }
              String key = childKey(request.instanceId(), request.stepId(), request.attempt());
              return engine.start(def, new Input.Start(ids.next(), key, input, null));
            })
        .compose(started -> await(started.state(), request));
  }

  private Future<WorkflowDefinition> definition(String childId, Object version) {
    Future<WorkflowDefinition> def =
        version instanceof Number n
            ? definitions.get(childId, n.intValue())
            : definitions.latest(childId);
    return def.recover(
        e ->
            Future.failedFuture(
                e instanceof ProblemException p && p.kind() == ProblemException.Kind.NOT_FOUND
                    ? new StepFailure("workflow.unknown", p.getMessage(), false)
                    : e));
  }

  /** How many workflow steps started this instance and its ancestors (1 for a top instance). */
  private Future<Integer> depth(String instanceId, int depth) {
    if (depth > MAX_DEPTH) {
      return Future.succeededFuture(depth);
    }
    return engine
        .get(instanceId)
        .compose(
            state -> {
              String parent = parentOf(state.key());
              return parent == null ? Future.succeededFuture(depth) : depth(parent, depth + 1);
            },
            notFound -> Future.succeededFuture(depth));
  }

  /** The parent instance id in a child's key, or null when the key is not a child's. */
  private static String parentOf(String key) {
    String[] parts = key == null ? new String[0] : key.split("/");
    return parts.length == 3 && parts[2].chars().allMatch(Character::isDigit) ? parts[0] : null;
  }

  /** Waits for the child to end, cancelling it if the parent stops waiting for it. */
  private Future<Object> await(InstanceState child, StepRequest request) {
    Promise<Object> done = Promise.promise();
    poll(child, request, done);
    return done.future();
  }

  /** One round: the child's end, or after {@link #POLL} a look at the parent (then the next). */
  private void poll(InstanceState child, StepRequest request, Promise<Object> done) {
    if (child.status().isTerminal()) {
      outcome(child).onComplete(done);
      return;
    }
    engine
        .awaitEnd(child.id(), POLL)
        .compose(
            now ->
                now.status().isTerminal()
                    ? Future.succeededFuture(now)
                    : engine
                        .get(request.instanceId())
                        .compose(
                            parent ->
                                stillRunning(parent, request)
                                    ? Future.succeededFuture(now)
                                    : cancel(now, parent, request)))
        .onSuccess(now -> poll(now, request, done))
        .onFailure(done::fail);
  }

  private Future<InstanceState> cancel(
      InstanceState child, InstanceState parent, StepRequest request) {
    StepState step = parent.steps().get(ForEachStep.ownStep(request.stepId()));
    String why =
        "the parent instance "
            + parent.id()
            + " no longer waits for it (its step "
            + request.stepId()
            + " is "
            + (step == null ? "gone" : step.status())
            + ")";
    return engine
        .submit(child.id(), new Input.Cancel(why))
        .compose(d -> Future.failedFuture(new StepFailure("workflow.cancelled", why, false)));
  }

  private static boolean stillRunning(InstanceState parent, StepRequest request) {
    StepState step = parent.steps().get(ForEachStep.ownStep(request.stepId()));
    return !parent.status().isTerminal()
        && step != null
        && step.status() == StepStatus.RUNNING
        && step.attempt() == request.attempt();
  }

  private static Future<Object> outcome(InstanceState child) {
    if (child.status() == InstanceStatus.COMPLETED) {
      return Future.succeededFuture(child.output());
    }
    String code = "workflow." + child.status().name().toLowerCase(java.util.Locale.ROOT);
    String reason = child.error() == null ? "" : ": " + child.error().message();
    return Future.failedFuture(
        new StepFailure(
            code,
            "child instance "
                + child.id()
                + " of workflow '"
                + child.workflowId()
                + "' ended "
                + child.status()
                + reason,
            child.status() != InstanceStatus.CANCELLED));
  }
}
