package io.sluice.router.routing;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.platform.Http;
import io.sluice.router.TriggerIndex;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/rules/test}: which triggers an event would match, and for each that does not,
 * which part failed (type, a pattern condition, the {@code when} guard). Starts nothing.
 */
public final class RuleRoutes {
  private final TriggerIndex index;

  public RuleRoutes(TriggerIndex index) {
    this.index = index;
  }

  public void mount(Router router) {
    router.post("/v1/rules/test").handler(this::test);
  }

  private void test(RoutingContext ctx) {
    Map<String, Object> body = Http.objectBody(ctx);
    Object workflow = body.get("workflowId");
    CloudEvent event = event(body.get("event"));
    List<Map<String, Object>> results = new ArrayList<>();
    for (TriggerIndex.Explanation e :
        index.explain(event, workflow == null ? null : workflow.toString())) {
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("workflowId", e.workflowId());
      r.put("version", e.version());
      r.put("trigger", e.triggerIndex());
      r.put("matched", e.matched());
      r.put("verdict", e.verdict().name());
      r.put("reason", e.reason());
      results.add(r);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("matched", results.stream().filter(r -> Boolean.TRUE.equals(r.get("matched"))).count());
    out.put("triggers", results);
    Http.json(ctx, 200, out);
  }

  /** The event to test, as a structured CloudEvent; only type is required (id/source defaulted). */
  @SuppressWarnings("unchecked")
  static CloudEvent event(Object value) {
    if (!(value instanceof Map<?, ?> raw)) {
      throw ProblemException.of(
          ProblemException.Kind.UNPROCESSABLE,
          "the rules test needs an event",
          Problem.at("/event", "expected a CloudEvent object, but got " + value));
    }
    Map<String, Object> map = new LinkedHashMap<>((Map<String, Object>) raw);
    if (!(map.get("type") instanceof String)) {
      throw ProblemException.of(
          ProblemException.Kind.UNPROCESSABLE,
          "the rules test needs an event type",
          Problem.at("/event/type", "expected a string, but got " + map.get("type")));
    }
    map.putIfAbsent("id", "rules-test");
    map.putIfAbsent("source", "rules-test");
    try {
      return CloudEvent.fromMap(map);
    } catch (DateTimeParseException e) {
      throw ProblemException.of(
          ProblemException.Kind.UNPROCESSABLE,
          "bad event",
          Problem.at("/event/time", "expected an RFC 3339 timestamp, but got " + map.get("time")));
    } catch (ClassCastException e) {
      throw ProblemException.of(
          ProblemException.Kind.UNPROCESSABLE,
          "bad event",
          Problem.at("/event", "expected string attributes, but " + e.getMessage()));
    }
  }
}
