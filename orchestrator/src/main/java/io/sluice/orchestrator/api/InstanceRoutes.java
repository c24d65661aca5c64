package io.sluice.orchestrator.api;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.store.InstanceStore;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /v1/instances}: list, read, history, cancel, retry (SPEC §6). */
public final class InstanceRoutes {
  private final Engine engine;
  private final InstanceStore store;
  private final Duration waitMax;

  public InstanceRoutes(Engine engine, InstanceStore store, Duration waitMax) {
    this.engine = engine;
    this.store = store;
    this.waitMax = waitMax;
  }

  public void mount(Router router) {
    router.get("/v1/instances").handler(this::list);
    router.get("/v1/instances/:id").handler(this::get);
    router.get("/v1/instances/:id/history").handler(this::history);
    router.post("/v1/instances/:id/cancel").handler(this::cancel);
    router.post("/v1/instances/:id/retry").handler(this::retry);
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

  private void decide(RoutingContext ctx, Input input) {
    String id = ctx.pathParam("id");
    engine
        .submit(id, input)
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
