package io.sluice.ingestion.hooks;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A configured third-party webhook sender. Its deliveries arrive at {@code POST /v1/hooks/<name>}
 * and become CloudEvents whose {@code source} is {@code name}.
 *
 * @param name the source's name (URL path segment and event source)
 * @param scheme how deliveries are signed
 * @param secret the signing secret: never returned by the API, never logged ({@link #toString()}
 *     leaves it out)
 * @param header the signature header ({@code hmac-sha256} only)
 * @param timestampHeader the signed timestamp header ({@code hmac-sha256} only, optional)
 * @param type CEL over {@code headers} and {@code body} giving the event type; null: the scheme's
 *     default
 * @param id CEL giving the event id; null: the scheme's delivery id, else a hash of the body
 * @param tolerance largest accepted age of a signed timestamp; null: the configured default
 */
public record WebhookSource(
    String name,
    Scheme scheme,
    String secret,
    String header,
    String timestampHeader,
    String type,
    String id,
    Duration tolerance,
    Instant createdAt,
    Instant updatedAt) {

  /** The API view: everything but the secret. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("scheme", scheme.id());
    out.put("secretSet", secret != null && !secret.isEmpty());
    putIf(out, "header", header);
    putIf(out, "timestampHeader", timestampHeader);
    putIf(out, "type", type);
    putIf(out, "id", id);
    putIf(out, "tolerance", tolerance == null ? null : tolerance.toString());
    out.put("createdAt", createdAt.toString());
    out.put("updatedAt", updatedAt.toString());
    return out;
  }

  private static void putIf(Map<String, Object> out, String key, Object value) {
    if (value != null) {
      out.put(key, value);
    }
  }

  @Override
  public String toString() {
    return "WebhookSource[" + name + ", " + scheme.id() + ", secret=<redacted>]";
  }
}
