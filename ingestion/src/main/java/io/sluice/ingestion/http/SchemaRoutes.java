package io.sluice.ingestion.http;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.ingestion.event.JsonBodies;
import io.sluice.ingestion.schema.SchemaVersion;
import io.sluice.ingestion.schema.Schemas;
import io.sluice.platform.Http;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The event schema registry: {@code PUT/GET /v1/schemas/{type}}, listings and versions. */
public final class SchemaRoutes {
  private final Schemas schemas;
  private final JsonBodies json;

  public SchemaRoutes(Schemas schemas, JsonBodies json) {
    this.schemas = schemas;
    this.json = json;
  }

  public void mount(Router router) {
    router.put("/v1/schemas/:type").handler(this::put);
    router.get("/v1/schemas").handler(this::list);
    router.get("/v1/schemas/:type").handler(this::latest);
    router.get("/v1/schemas/:type/versions").handler(this::versions);
    router.get("/v1/schemas/:type/versions/:version").handler(this::version);
  }

  private void put(RoutingContext ctx) {
    String type = ctx.pathParam("type");
    Object schema = json.value(Answers.bytes(ctx), "the schema");
    schemas
        .register(type, schema)
        .onSuccess(
            r -> {
              Map<String, Object> body = new LinkedHashMap<>(r.version().toMap(true));
              body.put("created", r.created());
              Http.json(ctx, r.created() ? 201 : 200, body);
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    schemas
        .store()
        .latestOfEach()
        .onSuccess(
            all ->
                Http.json(
                    ctx, 200, Map.of("items", all.stream().map(v -> v.toMap(false)).toList())))
        .onFailure(ctx::fail);
  }

  private void latest(RoutingContext ctx) {
    String type = ctx.pathParam("type");
    schemas.store().latest(type).onSuccess(v -> answer(ctx, type, v)).onFailure(ctx::fail);
  }

  private void versions(RoutingContext ctx) {
    String type = ctx.pathParam("type");
    schemas
        .store()
        .versions(type)
        .onSuccess(
            all -> {
              if (all.isEmpty()) {
                ctx.fail(unknown(type));
                return;
              }
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("type", type);
              body.put("items", all.stream().map(v -> v.toMap(false)).toList());
              Http.json(ctx, 200, body);
            })
        .onFailure(ctx::fail);
  }

  private void version(RoutingContext ctx) {
    String type = ctx.pathParam("type");
    String text = ctx.pathParam("version");
    int version;
    try {
      version = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw ProblemException.of(
          Kind.MALFORMED,
          "bad schema version",
          Problem.at("", "expected a version number, but got '" + text + "'"));
    }
    schemas
        .store()
        .get(type, version)
        .onSuccess(
            v -> {
              if (v == null) {
                ctx.fail(
                    ProblemException.of(
                        Kind.NOT_FOUND, "the schema of '" + type + "' has no version " + version));
              } else {
                Http.json(ctx, 200, v.toMap(true));
              }
            })
        .onFailure(ctx::fail);
  }

  private static void answer(RoutingContext ctx, String type, SchemaVersion v) {
    if (v == null) {
      ctx.fail(unknown(type));
    } else {
      Http.json(ctx, 200, v.toMap(true));
    }
  }

  private static ProblemException unknown(String type) {
    return ProblemException.of(Kind.NOT_FOUND, "no schema is registered for type '" + type + "'");
  }
}
