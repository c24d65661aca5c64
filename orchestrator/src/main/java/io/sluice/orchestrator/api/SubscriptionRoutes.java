package io.sluice.orchestrator.api;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.orchestrator.webhooks.Webhooks;
import io.sluice.platform.Http;
import io.sluice.validation.HttpUrls;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code /v1/subscriptions}: outbound webhook subscriptions (SPEC §6). The secret is answered once,
 * when the subscription is created; reads never show it.
 */
public final class SubscriptionRoutes {
  private final Webhooks webhooks;

  public SubscriptionRoutes(Webhooks webhooks) {
    this.webhooks = webhooks;
  }

  public void mount(Router router) {
    router.post("/v1/subscriptions").handler(this::create);
    router.get("/v1/subscriptions").handler(this::list);
    router.get("/v1/subscriptions/:id").handler(this::get);
    router.delete("/v1/subscriptions/:id").handler(this::delete);
  }

  private void create(RoutingContext ctx) {
    Map<String, Object> body = Http.objectBody(ctx);
    List<Problem> problems = new ArrayList<>();
    String url = url(body.get("url"), problems);
    List<String> types = types(body.get("types"), problems);
    Object secret = body.get("secret");
    if (secret != null && !(secret instanceof String)) {
      problems.add(Problem.at("/secret", "expected a string, but got " + secret));
    }
    if (!problems.isEmpty()) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE, "the subscription is invalid", problems);
    }
    webhooks
        .create(url, types, (String) secret)
        .onSuccess(
            s -> {
              Map<String, Object> out = view(s);
              out.put("secret", s.secret());
              Http.json(ctx, 201, out);
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    webhooks
        .list()
        .onSuccess(
            all ->
                Http.json(
                    ctx, 200, Map.of("items", all.stream().map(SubscriptionRoutes::view).toList())))
        .onFailure(ctx::fail);
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    webhooks
        .get(id)
        .compose(
            s -> {
              if (s == null) {
                throw notFound(id);
              }
              return webhooks
                  .backlog(id)
                  .map(
                      backlog -> {
                        Map<String, Object> out = view(s);
                        out.put("deliveries", backlog);
                        return out;
                      });
            })
        .onSuccess(out -> Http.json(ctx, 200, out))
        .onFailure(ctx::fail);
  }

  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    webhooks
        .delete(id)
        .onSuccess(
            deleted -> {
              if (!deleted) {
                ctx.fail(notFound(id));
                return;
              }
              ctx.response().setStatusCode(204).end();
            })
        .onFailure(ctx::fail);
  }

  private static ProblemException notFound(String id) {
    return ProblemException.of(
        ProblemException.Kind.NOT_FOUND, "there is no subscription '" + id + "'");
  }

  private static Map<String, Object> view(Webhooks.Subscription s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", s.id());
    out.put("url", s.url());
    out.put("types", s.types());
    out.put("createdAt", s.createdAt().toString());
    return out;
  }

  private static String url(Object value, List<Problem> problems) {
    if (value instanceof String text && HttpUrls.isAbsoluteHttp(text)) {
      return text;
    }
    problems.add(
        Problem.at(
            "/url",
            "expected an absolute http or https URL such as https://example.com/hook, but got "
                + (value == null ? "none" : io.sluice.core.json.Json.write(value))));
    return null;
  }

  private static List<String> types(Object value, List<Problem> problems) {
    if (value == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof String t && !t.isBlank()) {
          out.add(t);
        } else {
          problems.add(Problem.at("/types/" + i, "expected an event type string"));
        }
      }
      return out;
    }
    problems.add(Problem.at("/types", "expected an array of lifecycle event types"));
    return out;
  }
}
