package io.sluice.orchestrator.api;

import io.sluice.core.expr.ExpressionException;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.StepDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.domain.Decision;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.orchestrator.domain.StepState;
import io.sluice.orchestrator.domain.StepStatus;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.store.InstanceStore;
import io.sluice.platform.Http;
import io.sluice.validation.SchemaValidator;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1/instances}: list, read, history, cancel, retry, manual steps (SPEC §6). */
public final class InstanceRoutes {
  private final Engine engine;
  private final InstanceStore store;
  private final Definitions definitions;
  private final Duration waitMax;

  public InstanceRoutes(
      Engine engine, InstanceStore store, Definitions definitions, Duration waitMax) {
    this.engine = engine;
    this.store = store;
    this.definitions = definitions;
    this.waitMax = waitMax;
  }

  public void mount(Router router) {
    router.get("/v1/instances").handler(this::list);
    router.get("/v1/instances/:id").handler(this::get);
    router.get("/v1/instances/:id/history").handler(this::history);
    router.post("/v1/instances/:id/cancel").handler(this::cancel);
    router.post("/v1/instances/:id/retry").handler(this::retry);
    router.post("/v1/instances/:id/steps/:step/complete").handler(this::complete);
  }

  private void list(RoutingContext ctx) {
    String status = ctx.queryParams().get("status");
    InstanceStatus filter = null;
    if (status != null) {
      try {
        filter = InstanceStatus.valueOf(status.toUpperCase());
      } catch (IllegalArgumentException e) {
        throw ProblemException.of(
            ProblemException.Kind.MALFORMED,
            "bad query parameter 'status'",
            Problem.at(
                "",
                "expected one of "
                    + java.util.Arrays.toString(InstanceStatus.values())
                    + " for 'status', but got '"
                    + status
                    + "'"));
      }
    }
    int limit = Http.limit(ctx, 50, 500);
    store
        .list(ctx.queryParams().get("workflow"), filter, limit, ctx.queryParams().get("cursor"))
        .onSuccess(
            page -> {
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("items", page.items().stream().map(InstanceViews::summary).toList());
              out.put("next", page.next());
              Http.json(ctx, 200, out);
            })
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    Duration wait = Http.duration(ctx, "wait", waitMax);
    String id = ctx.pathParam("id");
    (wait == null ? engine.get(id) : engine.awaitEnd(id, wait))
        .onSuccess(s -> Http.json(ctx, 200, InstanceViews.full(s)))
        .onFailure(ctx::fail);
  }

  private void history(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    store
        .history(id)
        .onSuccess(
            events -> {
              if (events == null) {
                ctx.fail(
                    ProblemException.of(
                        ProblemException.Kind.NOT_FOUND, "there is no instance '" + id + "'"));
                return;
              }
              Http.json(
                  ctx,
                  200,
                  Map.of("id", id, "items", events.stream().map(e -> e.toMap()).toList()));
            })
        .onFailure(ctx::fail);
  }

  private void cancel(RoutingContext ctx) {
    Map<String, Object> body = Http.objectBody(ctx);
    Object reason = body.get("reason");
    decide(
        ctx,
        new Input.Cancel(
            reason == null ? "cancelled through the API" : Json.write(reason).replace("\"", "")));
  }

  private void retry(RoutingContext ctx) {
    decide(ctx, new Input.Retry());
  }

  /**
   * Completes a waiting {@code manual} step with {@code data} (default {}): 404 when the workflow
   * has no such manual step, 409 when the step is not waiting, 422 with every violation when the
   * data does not match the step's {@code schema}. Nothing changes unless it answers 200.
   */
  private void complete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String stepId = ctx.pathParam("step");
    Map<String, Object> body = Http.objectBody(ctx);
    Object data = body.containsKey("data") ? body.get("data") : Map.of();
    answer(
        ctx,
        engine
            .get(id)
            .compose(
                state ->
                    definitions
                        .get(state.workflowId(), state.version())
                        .map(def -> completion(def, state, stepId, data)))
            .compose(input -> engine.submit(id, input)));
  }

  private static Input completion(
      WorkflowDefinition def, InstanceState state, String stepId, Object data) {
    StepDef step = def.stepsById().get(stepId);
    if (step == null || !step.type().equals("manual")) {
      throw ProblemException.of(
          ProblemException.Kind.NOT_FOUND,
          "workflow '" + def.id() + "' has no manual step '" + stepId + "'");
    }
    StepState st = state.steps().get(stepId);
    if (state.status().isTerminal()
        || st.status() != StepStatus.WAITING
        || !"manual".equals(st.waitingFor())) {
      throw ProblemException.of(
          ProblemException.Kind.CONFLICT,
          "step '"
              + stepId
              + "' is not waiting to be completed: it is "
              + st.status()
              + " (the instance is "
              + state.status()
              + ")");
    }
    Object with;
    try {
      with = Decider.parameters(def, state, stepId, Instant.now());
    } catch (ExpressionException e) {
      throw ProblemException.of(
          ProblemException.Kind.CONFLICT,
          "the 'with' of step '" + stepId + "' no longer evaluates: " + e.getMessage());
    }
    Object schema = with instanceof Map<?, ?> w ? w.get("schema") : null;
    if (schema != null) {
      List<Problem> problems = SchemaValidator.compile(schema).validate(data, "/data");
      if (!problems.isEmpty()) {
        throw new ProblemException(
            ProblemException.Kind.UNPROCESSABLE,
            "the data does not match the schema of step '" + stepId + "'",
            problems);
      }
    }
    return new Input.CompleteStep(stepId, st.attempt(), data);
  }

  private void decide(RoutingContext ctx, Input input) {
    answer(ctx, engine.submit(ctx.pathParam("id"), input));
  }

  /** 409 for a refused input; else 200 with the instance as the decision left it. */
  static void answer(RoutingContext ctx, Future<Decision> decided) {
    decided
        .onSuccess(
            decision -> {
              if (decision.rejection() != null) {
                ctx.fail(ProblemException.of(ProblemException.Kind.CONFLICT, decision.rejection()));
                return;
              }
              Http.json(ctx, 200, InstanceViews.full(decision.state()));
            })
        .onFailure(ctx::fail);
  }
}
