package io.sluice.ingestion.hooks;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.ingestion.event.JsonBodies;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Wraps a verified webhook delivery into a CloudEvent: {@code source} is the source's name, {@code
 * type} and {@code id} come from the source's CEL expressions over {@code headers} (lower-case
 * names) and {@code body}, else from the scheme's conventions, {@code data} is the body.
 * Thread-safe.
 */
public final class HookEvents {
  /** Variables of source expressions. */
  public static final java.util.Set<String> VARIABLES = java.util.Set.of("headers", "body");

  private final CelExpressions cel;
  private final JsonBodies json;

  public HookEvents(CelExpressions cel, JsonBodies json) {
    this.cel = cel;
    this.json = json;
  }

  /** The body as a JSON value: JSON as is; a form as an object of its fields. */
  public Object body(String contentType, byte[] raw) {
    String type = JsonBodies.mediaType(contentType);
    if (type == null || JsonBodies.isJson(type)) {
      return json.value(raw, "the webhook body");
    }
    if (type.equals("application/x-www-form-urlencoded")) {
      Map<String, Object> fields = new LinkedHashMap<>();
      for (String pair : new String(raw, StandardCharsets.UTF_8).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name =
            URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value =
            eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        // Slack's interactive deliveries carry their JSON in a 'payload' field
        fields.put(
            name,
            name.equals("payload") && value.startsWith("{")
                ? json.value(value.getBytes(StandardCharsets.UTF_8), "the payload field")
                : value);
      }
      return fields;
    }
    throw ProblemException.of(
        Kind.UNSUPPORTED_MEDIA_TYPE,
        "unsupported webhook content type",
        Problem.at(
            "",
            "expected a JSON or application/x-www-form-urlencoded body, but got '"
                + contentType
                + "'"));
  }

  /** Slack's endpoint check ({@code url_verification}): the challenge to echo, else null. */
  public static String slackChallenge(WebhookSource source, Object body) {
    if (source.scheme() == Scheme.SLACK
        && body instanceof Map<?, ?> m
        && "url_verification".equals(m.get("type"))
        && m.get("challenge") instanceof String challenge) {
      return challenge;
    }
    return null;
  }

  /** The CloudEvent of a verified delivery; 422 when an expression fails on it. */
  public CloudEvent event(
      WebhookSource source, Map<String, Object> headers, Object body, byte[] raw, Instant now) {
    Map<String, Object> vars = Map.of("headers", headers, "body", body == null ? Map.of() : body);
    String type =
        source.type() != null
            ? evaluate(source.type(), vars, "/type")
            : defaultType(source, headers, body);
    String id =
        source.id() != null
            ? evaluate(source.id(), vars, "/id")
            : deliveryId(source, headers, body);
    return new CloudEvent(
        id == null ? sha256(raw) : id,
        source.name(),
        type,
        now,
        null,
        "application/json",
        null,
        body,
        Map.of());
  }

  private String evaluate(String expression, Map<String, Object> vars, String pointer) {
    Object value;
    try {
      value = cel.compile(expression).evaluate(vars);
    } catch (ExpressionException e) {
      throw refuse(
          pointer,
          "the source's expression '" + expression + "' failed on this delivery: " + e.reason());
    }
    if (value instanceof Long || (value instanceof String s && !s.isEmpty())) {
      return String.valueOf(value);
    }
    throw refuse(
        pointer,
        "expected the source's expression '"
            + expression
            + "' to give a non-empty string, but it gave "
            + (value instanceof String ? "an empty string" : Json.typeName(value)));
  }

  private static String defaultType(
      WebhookSource source, Map<String, Object> headers, Object body) {
    switch (source.scheme()) {
      case GITHUB:
        return "github." + text(headers.get("x-github-event"), "delivery");
      case STRIPE:
        return "stripe." + text(field(body, "type"), "event");
      case SLACK:
        {
          Object event = field(body, "event");
          if (field(event, "type") instanceof String t) {
            return "slack." + t;
          }
          return "slack."
              + text(field(body, "type"), field(body, "command") != null ? "command" : "request");
        }
      default:
        return "webhook.received";
    }
  }

  private static String deliveryId(WebhookSource source, Map<String, Object> headers, Object body) {
    switch (source.scheme()) {
      case GITHUB:
        return text(headers.get("x-github-delivery"), null);
      case STRIPE:
        return text(field(body, "id"), null);
      case SLACK:
        return text(field(body, "event_id"), null);
      default:
        return null;
    }
  }

  private static Object field(Object value, String name) {
    return value instanceof Map<?, ?> m ? m.get(name) : null;
  }

  private static String text(Object value, String fallback) {
    return value instanceof String s && !s.isBlank() ? s : fallback;
  }

  private static ProblemException refuse(String pointer, String message) {
    return ProblemException.of(
        Kind.UNPROCESSABLE,
        "the delivery cannot be made into an event",
        Problem.at(pointer, message));
  }

  /** The fallback id: deliveries with the same bytes are one event (retries dedupe). */
  static String sha256(byte[] raw) {
    try {
      return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
