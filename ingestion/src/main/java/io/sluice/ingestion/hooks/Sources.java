package io.sluice.ingestion.hooks;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The webhook sources: validated on save (every problem at once, expressions compiled), cached for
 * {@link #REFRESH} on lookup (a change through another node is seen within that time; through this
 * node at once). Call from a Vert.x context; thread-safe.
 */
public final class Sources {
  public static final Duration REFRESH = Duration.ofSeconds(5);

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
  private static final Pattern HEADER = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}");
  private static final Set<String> FIELDS =
      Set.of("scheme", "secret", "header", "timestampHeader", "type", "id", "tolerance");

  /** A saved source; {@code created} false when it replaced an existing one. */
  public record Saved(WebhookSource source, boolean created) {}

  private record Cached(Instant at, WebhookSource source) {}

  private final Vertx vertx;
  private final MongoSourceStore store;
  private final CelExpressions cel;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public Sources(Vertx vertx, MongoSourceStore store, CelExpressions cel, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.cel = cel;
    this.clock = clock;
  }

  /** The source named {@code name}, or null. */
  public Future<WebhookSource> get(String name) {
    Cached c = cache.get(name);
    Instant now = clock.instant();
    if (c != null && c.at().plus(REFRESH).isAfter(now)) {
      return Future.succeededFuture(c.source());
    }
    return store
        .get(name)
        .map(
            s -> {
              cache.put(name, new Cached(now, s));
              return s;
            });
  }

  public Future<List<WebhookSource>> list() {
    return store.list();
  }

  public Future<Boolean> delete(String name) {
    return store.delete(name).onComplete(r -> cache.remove(name));
  }

  /** Creates or replaces a source; a replacement without {@code secret} keeps the old secret. */
  public Future<Saved> put(String name, Map<String, Object> body) {
    if (!NAME.matcher(name).matches()) {
      return Future.failedFuture(
          ProblemException.of(
              Kind.MALFORMED,
              "bad source name",
              Problem.at(
                  "",
                  "expected a source name of letters, digits, '.', '_' and '-' (at most 100), but got '"
                      + name
                      + "'")));
    }
    return store
        .get(name)
        .compose(
            existing ->
                vertx
                    .executeBlocking(() -> parse(name, body, existing))
                    .compose(s -> store.save(s).map(v -> new Saved(s, existing == null))))
        .onSuccess(saved -> cache.remove(name));
  }

  private WebhookSource parse(String name, Map<String, Object> body, WebhookSource existing) {
    List<Problem> problems = new ArrayList<>();
    body.keySet().stream()
        .filter(k -> !FIELDS.contains(k))
        .sorted()
        .forEach(
            k ->
                problems.add(
                    Problem.at(
                        Problem.child("", k),
                        "expected one of "
                            + new java.util.TreeSet<>(FIELDS)
                            + ", but got '"
                            + k
                            + "'")));
    Scheme scheme = null;
    Object schemeValue = body.get("scheme");
    if (schemeValue == null) {
      problems.add(
          Problem.at(
              "/scheme", "expected github, stripe, slack or hmac-sha256, but it is missing"));
    } else {
      scheme = schemeValue instanceof String s ? Scheme.of(s).orElse(null) : null;
      if (scheme == null) {
        problems.add(
            Problem.at(
                "/scheme",
                "expected github, stripe, slack or hmac-sha256, but got "
                    + Json.write(schemeValue)));
      }
    }
    String secret = string(body, "secret", problems);
    if (secret == null && existing != null) {
      secret = existing.secret();
    }
    if (secret == null && !problems.stream().anyMatch(p -> p.pointer().equals("/secret"))) {
      problems.add(Problem.at("/secret", "expected the signing secret, but it is missing"));
    } else if (secret != null && secret.isEmpty()) {
      problems.add(Problem.at("/secret", "expected a non-empty signing secret, but it is empty"));
    }
    String header = headerName(body, "header", problems);
    String timestampHeader = headerName(body, "timestampHeader", problems);
    if (scheme == Scheme.HMAC_SHA256 && header == null && body.get("header") == null) {
      problems.add(
          Problem.at(
              "/header",
              "expected the name of the signature header (hmac-sha256), but it is missing"));
    }
    if (scheme != null && scheme != Scheme.HMAC_SHA256) {
      for (String only : List.of("header", "timestampHeader")) {
        if (body.get(only) != null) {
          problems.add(
              Problem.at(
                  "/" + only, "expected no " + only + " (only hmac-sha256 uses it), but got one"));
        }
      }
    }
    String type = expression(body, "type", problems);
    String id = expression(body, "id", problems);
    Duration tolerance = null;
    String toleranceText = string(body, "tolerance", problems);
    if (toleranceText != null) {
      try {
        tolerance = Duration.parse(toleranceText);
        if (tolerance.isNegative() || tolerance.isZero()) {
          throw new DateTimeParseException("not positive", toleranceText, 0);
        }
      } catch (DateTimeParseException e) {
        problems.add(
            Problem.at(
                "/tolerance",
                "expected a positive ISO-8601 duration such as PT5M, but got '"
                    + toleranceText
                    + "'"));
      }
    }
    if (!problems.isEmpty()) {
      throw new ProblemException(Kind.UNPROCESSABLE, "the webhook source is invalid", problems);
    }
    Instant now = clock.instant();
    return new WebhookSource(
        name,
        scheme,
        secret,
        header,
        timestampHeader,
        type,
        id,
        tolerance,
        existing == null ? now : existing.createdAt(),
        now);
  }

  private String expression(Map<String, Object> body, String field, List<Problem> problems) {
    String source = string(body, field, problems);
    if (source != null) {
      try {
        cel.compile(source);
      } catch (ExpressionException e) {
        problems.add(
            Problem.at(
                "/" + field, "expected a CEL expression over headers and body, but " + e.reason()));
      }
    }
    return source;
  }

  private static String headerName(Map<String, Object> body, String field, List<Problem> problems) {
    String value = string(body, field, problems);
    if (value != null && !HEADER.matcher(value).matches()) {
      problems.add(
          Problem.at("/" + field, "expected an HTTP header name, but got '" + value + "'"));
      return null;
    }
    return value;
  }

  private static String string(Map<String, Object> body, String field, List<Problem> problems) {
    Object value = body.get(field);
    if (value == null || value instanceof String) {
      return (String) value;
    }
    problems.add(Problem.at("/" + field, "expected a string, but got " + Json.typeName(value)));
    return null;
  }
}
