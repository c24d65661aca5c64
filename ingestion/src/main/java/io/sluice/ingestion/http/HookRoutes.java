package io.sluice.ingestion.http;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.event.Entry;
import io.sluice.ingestion.event.ReservedSources;
import io.sluice.ingestion.hooks.HookEvents;
import io.sluice.ingestion.hooks.Signatures;
import io.sluice.ingestion.hooks.Sources;
import io.sluice.ingestion.hooks.WebhookSource;
import io.sluice.platform.Http;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Webhook sources ({@code PUT/GET/DELETE /v1/sources/{source}}, {@code GET /v1/sources}) and their
 * deliveries ({@code POST /v1/hooks/{source}}): signature first (on the raw bytes), then the body,
 * then the event, which takes the same path as {@code POST /v1/events}.
 */
public final class HookRoutes {
  private final Sources sources;
  private final HookEvents hookEvents;
  private final Admission admission;
  private final Clock clock;
  private final Duration defaultTolerance;

  public HookRoutes(
      Sources sources,
      HookEvents hookEvents,
      Admission admission,
      Clock clock,
      Duration defaultTolerance) {
    this.sources = sources;
    this.hookEvents = hookEvents;
    this.admission = admission;
    this.clock = clock;
    this.defaultTolerance = defaultTolerance;
  }

  public void mount(Router router) {
    router.put("/v1/sources/:source").handler(this::put);
    router.get("/v1/sources").handler(this::list);
    router.get("/v1/sources/:source").handler(this::get);
    router.delete("/v1/sources/:source").handler(this::delete);
    router.post("/v1/hooks/:source").handler(this::deliver);
  }

  private void put(RoutingContext ctx) {
    Map<String, Object> body = Http.objectBody(ctx);
    sources
        .put(ctx.pathParam("source"), body)
        .onSuccess(s -> Http.json(ctx, s.created() ? 201 : 200, s.source().toMap()))
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    sources
        .list()
        .onSuccess(
            all ->
                Http.json(
                    ctx, 200, Map.of("items", all.stream().map(WebhookSource::toMap).toList())))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    String name = ctx.pathParam("source");
    sources
        .get(name)
        .onSuccess(
            s -> {
              if (s == null) {
                ctx.fail(unknown(name));
              } else {
                Http.json(ctx, 200, s.toMap());
              }
            })
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("source");
    sources
        .delete(name)
        .onSuccess(
            gone -> {
              if (gone) {
                ctx.response().setStatusCode(204).end();
              } else {
                ctx.fail(unknown(name));
              }
            })
        .onFailure(ctx::fail);
  }

  private void deliver(RoutingContext ctx) {
    String name = ctx.pathParam("source");
    String channel = "POST /v1/hooks/" + name;
    byte[] raw = Answers.bytes(ctx);
    sources
        .get(name)
        .onFailure(ctx::fail)
        .onSuccess(
            source -> {
              if (source == null) {
                ctx.fail(unknown(name));
                return;
              }
              Instant now = clock.instant();
              Duration tolerance =
                  source.tolerance() == null ? defaultTolerance : source.tolerance();
              Signatures.Verdict verdict =
                  Signatures.verify(source, ctx.request()::getHeader, raw, now, tolerance);
              if (!verdict.ok()) {
                ProblemException why =
                    ProblemException.of(
                        Kind.UNAUTHORIZED,
                        "the webhook signature is not valid",
                        Problem.at("", verdict.failure()));
                // an unauthenticated body is not kept, only that it was refused and why
                admission.refused(channel, why, null).onComplete(x -> ctx.fail(why));
                return;
              }
              Entry entry;
              try {
                Map<String, String> headers = Answers.headers(ctx);
                Object body = hookEvents.body(ctx.request().getHeader("Content-Type"), raw);
                String challenge = HookEvents.slackChallenge(source, body);
                if (challenge != null) {
                  Http.json(ctx, 200, Map.of("challenge", challenge));
                  return;
                }
                CloudEvent event =
                    hookEvents.event(
                        source, new LinkedHashMap<String, Object>(headers), body, raw, now);
                ProblemException reserved = ReservedSources.refusal(event, "/source");
                if (reserved != null) {
                  throw reserved; // a source name cannot hold '/' today: a guard for later schemes
                }
                entry = Entry.read(0, event, Json.write(event.toMap()));
              } catch (ProblemException e) {
                admission.refused(channel, e, Answers.text(raw)).onComplete(x -> ctx.fail(e));
                return;
              }
              admission
                  .admit(entry, channel)
                  .onSuccess(outcome -> Answers.single(ctx, outcome))
                  .onFailure(ctx::fail);
            });
  }

  private static ProblemException unknown(String name) {
    return ProblemException.of(
        Kind.NOT_FOUND,
        "no webhook source is named '" + name + "' (create it with PUT /v1/sources/" + name + ")");
  }
}
