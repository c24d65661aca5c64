package io.sluice.platform;

import io.sluice.core.json.Json;
import io.sluice.core.json.MalformedJsonException;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Small shared pieces of the HTTP edge: JSON answers, problem+json errors, query parsing. */
public final class Http {
  private static final Logger log = LoggerFactory.getLogger(Http.class);
  public static final String JSON = "application/json";
  public static final String PROBLEM_JSON = "application/problem+json";

  private Http() {}

  public static void json(RoutingContext ctx, int status, Object body) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", JSON).end(Json.write(body));
  }

  /** The failure handler of every route: problems as {@code application/problem+json}. */
  public static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    int status;
    String title;
    String detail;
    List<Problem> problems = List.of();
    if (failure instanceof ProblemException p) {
      status = p.kind().status();
      title = p.kind().title();
      detail = p.getMessage();
      problems = p.problems();
    } else if (failure instanceof MalformedJsonException m) {
      status = 400;
      title = ProblemException.Kind.MALFORMED.title();
      detail = "the request body is not well-formed JSON";
      problems = List.of(Problem.at("", "expected well-formed JSON, but " + m.getMessage()));
    } else if (failure == null && ctx.statusCode() == 413) {
      status = 413;
      title = ProblemException.Kind.TOO_LARGE.title();
      detail = "the request body is larger than the limit";
      String length = ctx.request().getHeader("Content-Length");
      problems =
          List.of(
              Problem.at(
                  "",
                  "expected a body within the limit (setting ingestion.maxBodyBytes), but it has "
                      + (length == null ? "more bytes" : length + " bytes")));
    } else if (failure == null) {
      status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
      title = status == 404 ? "Not found" : "Error";
      detail = status == 404 ? "no such resource: " + ctx.request().path() : "request failed";
    } else {
      status = 500;
      title = "Internal error";
      detail = "the request failed on our side; it was logged";
      log.error("{} {} failed", ctx.request().method(), ctx.request().path(), failure);
    }
    if (ctx.response().ended()) {
      return;
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "about:blank");
    body.put("title", title);
    body.put("status", status);
    body.put("detail", detail);
    List<Map<String, Object>> errors = new ArrayList<>();
    for (Problem p : problems) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("pointer", p.pointer());
      e.put("message", p.message());
      errors.add(e);
    }
    body.put("errors", errors);
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", PROBLEM_JSON)
        .end(Json.write(body));
  }

  /** The request body as a JSON object; malformed or non-object bodies are a 400 problem. */
  public static Map<String, Object> objectBody(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      return new LinkedHashMap<>();
    }
    Object value = Json.parse(text);
    if (value instanceof Map<?, ?>) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) value;
      return map;
    }
    throw ProblemException.of(
        ProblemException.Kind.MALFORMED,
        "the request body must be a JSON object",
        Problem.at("", "expected a JSON object, but got " + Json.typeName(value)));
  }

  /** An optional ISO-8601 duration query parameter, capped at max. */
  public static Duration duration(RoutingContext ctx, String name, Duration max) {
    String value = ctx.queryParams().get(name);
    if (value == null) {
      return null;
    }
    try {
      Duration d = Duration.parse(value);
      if (d.isNegative()) {
        throw new DateTimeParseException("negative", value, 0);
      }
      return d.compareTo(max) > 0 ? max : d;
    } catch (DateTimeParseException e) {
      throw ProblemException.of(
          ProblemException.Kind.MALFORMED,
          "bad query parameter '" + name + "'",
          Problem.at(
              "",
              "expected an ISO-8601 duration such as PT5S for '"
                  + name
                  + "', but got '"
                  + value
                  + "'"));
    }
  }

  /** An optional positive int query parameter with a default and a maximum. */
  public static int limit(RoutingContext ctx, int defaultValue, int max) {
    String value = ctx.queryParams().get("limit");
    if (value == null) {
      return defaultValue;
    }
    try {
      int n = Integer.parseInt(value);
      if (n < 1 || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw ProblemException.of(
          ProblemException.Kind.MALFORMED,
          "bad query parameter 'limit'",
          Problem.at("", "expected 'limit' between 1 and " + max + ", but got '" + value + "'"));
    }
  }
}
