package io.sluice.ingestion.http;

import io.sluice.core.problem.Problem;
import io.sluice.ingestion.admission.Outcome;
import io.sluice.platform.Http;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** How ingestion answers: one event's outcome, a batch's outcomes, and request reading helpers. */
final class Answers {
  private Answers() {}

  /** 202 (new) or 200 (duplicate) with the stored record; a rejection fails the context. */
  static void single(RoutingContext ctx, Outcome outcome) {
    if (outcome instanceof Outcome.Rejected r) {
      ctx.fail(r.reason());
      return;
    }
    Outcome.Accepted a = (Outcome.Accepted) outcome;
    ctx.response().putHeader("Location", "/v1/events/" + a.record().id());
    Http.json(ctx, a.status(), accepted(a, true));
  }

  /** 202 when every event was accepted (new or duplicate), else 207; one result per event. */
  static void batch(RoutingContext ctx, List<Outcome> outcomes) {
    int accepted = 0;
    int duplicates = 0;
    int rejected = 0;
    List<Object> results = new ArrayList<>(outcomes.size());
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("index", (long) i);
      result.put("status", (long) o.status());
      if (o instanceof Outcome.Accepted a) {
        accepted += a.duplicate() ? 0 : 1;
        duplicates += a.duplicate() ? 1 : 0;
        result.putAll(accepted(a, a.duplicate()));
      } else {
        rejected++;
        Outcome.Rejected r = (Outcome.Rejected) o;
        result.put("title", r.reason().kind().title());
        result.put("detail", r.reason().getMessage());
        result.put("errors", errors(r.reason().problems()));
      }
      results.add(result);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("accepted", (long) accepted);
    body.put("duplicates", (long) duplicates);
    body.put("rejected", (long) rejected);
    body.put("results", results);
    Http.json(ctx, rejected == 0 ? 202 : 207, body);
  }

  private static Map<String, Object> accepted(Outcome.Accepted a, boolean withEvent) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", a.record().id());
    out.put("duplicate", a.duplicate());
    out.put("source", a.record().event().source());
    out.put("eventId", a.record().event().id());
    out.put("receivedAt", a.record().receivedAt().toString());
    if (a.record().schemaVersion() != null) {
      out.put("schemaVersion", a.record().schemaVersion().longValue());
    }
    if (withEvent) {
      out.put("event", a.record().event().toMap());
    }
    return out;
  }

  static List<Object> errors(List<Problem> problems) {
    List<Object> out = new ArrayList<>();
    for (Problem p : problems) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("pointer", p.pointer());
      e.put("message", p.message());
      out.add(e);
    }
    return out;
  }

  static byte[] bytes(RoutingContext ctx) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    return body == null ? new byte[0] : body.getBytes();
  }

  static String text(byte[] body) {
    return new String(body, 0, Math.min(body.length, 64 * 1024), StandardCharsets.UTF_8);
  }

  /** Every header, names in lower case; repeated headers joined with ", ". */
  static Map<String, String> headers(RoutingContext ctx) {
    Map<String, String> out = new LinkedHashMap<>();
    ctx.request()
        .headers()
        .forEach(
            e ->
                out.merge(
                    e.getKey().toLowerCase(Locale.ROOT), e.getValue(), (a, b) -> a + ", " + b));
    return out;
  }
}
