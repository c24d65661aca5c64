package io.sluice.orchestrator.api;

import io.sluice.core.id.IdGenerator;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.engine.InputSchemas;
import io.sluice.orchestrator.store.DefinitionStore;
import io.sluice.platform.Http;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code /v1/workflows}: definitions and manual starts (SPEC §6). */
public final class WorkflowRoutes {
  private final Definitions definitions;
  private final Engine engine;
  private final IdGenerator ids;
  private final Duration waitMax;
  private final InputSchemas inputSchemas;

  public WorkflowRoutes(
      Definitions definitions,
      Engine engine,
      IdGenerator ids,
      Duration waitMax,
      InputSchemas inputSchemas) {
    this.inputSchemas = inputSchemas;
    this.definitions = definitions;
    this.engine = engine;
    this.ids = ids;
    this.waitMax = waitMax;
  }

  public void mount(Router router) {
    router.post("/v1/workflows").handler(ctx -> save(ctx, null));
    router.get("/v1/workflows").handler(this::list);
    router.put("/v1/workflows/:id").handler(ctx -> save(ctx, ctx.pathParam("id")));
    router.get("/v1/workflows/:id").handler(this::latest);
    router.delete("/v1/workflows/:id").handler(this::delete);
    router.get("/v1/workflows/:id/versions").handler(this::versions);
    router.get("/v1/workflows/:id/versions/:version").handler(this::version);
    router.post("/v1/workflows/:id/instances").handler(this::start);
  }

  private void save(RoutingContext ctx, String pathId) {
    String type = String.valueOf(ctx.request().getHeader("Content-Type")).toLowerCase();
    boolean yaml = type.contains("yaml");
    String text = ctx.body() == null || ctx.body().asString() == null ? "" : ctx.body().asString();
    definitions
        .save(text, yaml, pathId)
        .onSuccess(
            saved -> {
              Map<String, Object> body = view(saved.definition(), saved.definition().source());
              body.put("created", saved.created());
              Http.json(ctx, saved.created() ? 201 : 200, body);
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    definitions
        .store()
        .heads()
        .onSuccess(
            heads -> {
              List<Map<String, Object>> items = new ArrayList<>();
              for (DefinitionStore.Head h : heads) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("id", h.id());
                v.put("name", h.name());
                v.put("version", h.latest());
                v.put("updatedAt", String.valueOf(h.updatedAt()));
                items.add(v);
              }
              Http.json(ctx, 200, Map.of("items", items));
            })
        .onFailure(ctx::fail);
  }

  private void latest(RoutingContext ctx) {
    definitions
        .latest(ctx.pathParam("id"))
        .onSuccess(def -> Http.json(ctx, 200, view(def, def.source())))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    definitions
        .delete(id)
        .onSuccess(
            deleted -> {
              if (deleted) {
                ctx.response().setStatusCode(204).end();
              } else {
                ctx.fail(
                    ProblemException.of(
                        ProblemException.Kind.NOT_FOUND, "there is no workflow '" + id + "'"));
              }
            })
        .onFailure(ctx::fail);
  }

  private void versions(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    definitions
        .head(id)
        .compose(h -> definitions.store().versions(id))
        .onSuccess(
            versions -> {
              List<Map<String, Object>> items = new ArrayList<>();
              for (DefinitionStore.Version v : versions) {
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("version", v.version());
                item.put("createdAt", String.valueOf(v.createdAt()));
                item.put("hash", v.hash());
                items.add(item);
              }
              Http.json(ctx, 200, Map.of("id", id, "items", items));
            })
        .onFailure(ctx::fail);
  }

  private void version(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    int version;
    try {
      version = Integer.parseInt(ctx.pathParam("version"));
    } catch (NumberFormatException e) {
      ctx.fail(
          ProblemException.of(
              ProblemException.Kind.NOT_FOUND,
              "versions are numbers; there is no version '" + ctx.pathParam("version") + "'"));
      return;
    }
    definitions
        .get(id, version)
        .onSuccess(def -> Http.json(ctx, 200, view(def, def.source())))
        .onFailure(ctx::fail);
  }

  private static final java.util.Set<Object> ON_CONFLICT =
      java.util.Set.of("useExisting", "fail", "terminateExisting");

  private void start(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Map<String, Object> body = Http.objectBody(ctx);
    Duration wait = Http.duration(ctx, "wait", waitMax);
    Object version = body.get("version");
    Object key = body.get("key");
    Object onConflict = body.get("onConflict");
    List<Problem> problems = new ArrayList<>();
    if (version != null && !(version instanceof Long)) {
      problems.add(Problem.at("/version", "expected an integer version, but got " + version));
    }
    if (key != null && !(key instanceof String)) {
      problems.add(
          Problem.at(
              "/key", "expected a string key, but got " + io.sluice.core.json.Json.typeName(key)));
    }
    if (onConflict != null && !ON_CONFLICT.contains(onConflict)) {
      problems.add(
          Problem.at(
              "/onConflict",
              "expected one of useExisting, fail, terminateExisting, but got "
                  + io.sluice.core.json.Json.write(onConflict)));
    }
    if (!problems.isEmpty()) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE, "bad start request", problems);
    }
    Future<WorkflowDefinition> def =
        version == null ? definitions.latest(id) : definitions.get(id, ((Long) version).intValue());
    Engine.OnConflict policy = Engine.OnConflict.of((String) onConflict);
    Object input = body.containsKey("input") ? body.get("input") : new LinkedHashMap<>();
    def.compose(
            d -> {
              inputSchemas.check(d, input);
              String instanceId = ids.next();
              String k = key == null ? instanceId : (String) key;
              return engine.start(d, new Input.Start(instanceId, k, input, null), policy);
            })
        .compose(
            started -> {
              if (wait == null || started.state().status().isTerminal()) {
                return Future.succeededFuture(started);
              }
              return engine
                  .awaitEnd(started.state().id(), wait)
                  .map(s -> new Engine.Started(s, started.existing(), started.superseded()));
            })
        .onSuccess(
            started -> {
              Map<String, Object> out = InstanceViews.full(started.state());
              out.put("existing", started.existing());
              if (started.superseded() != null) {
                out.put("superseded", started.superseded());
              }
              Http.json(ctx, started.existing() ? 200 : 201, out);
            })
        .onFailure(ctx::fail);
  }

  private static Map<String, Object> view(WorkflowDefinition def, Map<String, Object> source) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", def.id());
    out.put("version", def.version());
    out.put("definition", source);
    return out;
  }
}
