package io.sluice.ingestion.hooks;

import io.sluice.core.crypto.Hmac;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Verifies webhook signatures. Digests are compared in constant time ({@link
 * MessageDigest#isEqual}); a failure's reason names what was wrong (missing header, malformed
 * value, mismatch, stale timestamp) but never the secret or the expected signature. Stateless and
 * thread-safe.
 */
public final class Signatures {
  /** A verification's result: {@code failure} is null when the signature holds. */
  public record Verdict(String failure) {
    public boolean ok() {
      return failure == null;
    }

    static Verdict pass() {
      return new Verdict(null);
    }
  }

  private Signatures() {}

  /**
   * Verifies a delivery.
   *
   * @param header the request's headers by case-insensitive name (null when absent)
   * @param body the raw body, exactly as received
   * @param now the time timestamps are judged against
   * @param tolerance largest accepted distance of a signed timestamp from {@code now}
   */
  public static Verdict verify(
      WebhookSource source,
      UnaryOperator<String> header,
      byte[] body,
      Instant now,
      Duration tolerance) {
    byte[] key = source.secret().getBytes(StandardCharsets.UTF_8);
    switch (source.scheme()) {
      case GITHUB:
        {
          String value = header.apply("X-Hub-Signature-256");
          if (value == null) {
            return fail("missing header X-Hub-Signature-256");
          }
          if (!value.startsWith("sha256=")) {
            return fail("expected X-Hub-Signature-256 as sha256=<hex>, but it has another form");
          }
          return matches(Hmac.sha256(key, body), value.substring(7), "X-Hub-Signature-256");
        }
      case STRIPE:
        return stripe(key, header.apply("Stripe-Signature"), body, now, tolerance);
      case SLACK:
        {
          String ts = header.apply("X-Slack-Request-Timestamp");
          String value = header.apply("X-Slack-Signature");
          if (ts == null || value == null) {
            return fail(
                "missing header "
                    + (value == null ? "X-Slack-Signature" : "X-Slack-Request-Timestamp"));
          }
          if (!value.startsWith("v0=")) {
            return fail("expected X-Slack-Signature as v0=<hex>, but it has another form");
          }
          Verdict v =
              matches(
                  Hmac.sha256(key, concat("v0:" + ts + ":", body)),
                  value.substring(3),
                  "X-Slack-Signature");
          return v.ok() ? fresh(ts, "X-Slack-Request-Timestamp", now, tolerance) : v;
        }
      case HMAC_SHA256:
      default:
        return generic(source, key, header, body, now, tolerance);
    }
  }

  private static Verdict generic(
      WebhookSource source,
      byte[] key,
      UnaryOperator<String> header,
      byte[] body,
      Instant now,
      Duration tolerance) {
    String value = header.apply(source.header());
    if (value == null) {
      return fail("missing header " + source.header());
    }
    String hex = value.startsWith("sha256=") ? value.substring(7) : value;
    String tsHeader = source.timestampHeader();
    if (tsHeader == null) {
      return matches(Hmac.sha256(key, body), hex, source.header());
    }
    String ts = header.apply(tsHeader);
    if (ts == null) {
      return fail("missing header " + tsHeader);
    }
    Verdict v = matches(Hmac.sha256(key, concat(ts + ".", body)), hex, source.header());
    return v.ok() ? fresh(ts, tsHeader, now, tolerance) : v;
  }

  private static Verdict stripe(
      byte[] key, String value, byte[] body, Instant now, Duration tolerance) {
    if (value == null) {
      return fail("missing header Stripe-Signature");
    }
    String timestamp = null;
    List<String> signatures = new ArrayList<>();
    for (String element : value.split(",")) {
      int eq = element.indexOf('=');
      if (eq <= 0) {
        return fail("expected Stripe-Signature as t=<unix time>,v1=<hex>, but it has another form");
      }
      String name = element.substring(0, eq).trim();
      if (name.equals("t")) {
        timestamp = element.substring(eq + 1).trim();
      } else if (name.equals("v1")) { // other schemes (v0: test mode) are ignored: no downgrade
        signatures.add(element.substring(eq + 1).trim());
      }
    }
    if (timestamp == null) {
      return fail("expected a timestamp t=... in Stripe-Signature, but there is none");
    }
    if (signatures.isEmpty()) {
      return fail("expected a v1=... signature in Stripe-Signature, but there is none");
    }
    byte[] expected = Hmac.sha256(key, concat(timestamp + ".", body));
    boolean any = false;
    for (String candidate : signatures) {
      any |= matches(expected, candidate, "Stripe-Signature").ok();
    }
    if (!any) {
      return fail(
          "Stripe-Signature does not match the body (wrong secret, or the body was changed)");
    }
    return fresh(timestamp, "the Stripe-Signature timestamp", now, tolerance);
  }

  private static Verdict fresh(String ts, String what, Instant now, Duration tolerance) {
    long seconds;
    try {
      seconds = Long.parseLong(ts.trim());
    } catch (NumberFormatException e) {
      return fail("expected " + what + " in Unix seconds, but it is not a number");
    }
    long age = now.getEpochSecond() - seconds;
    if (Math.abs(age) > tolerance.toSeconds()) {
      return fail(
          what
              + " is "
              + Math.abs(age)
              + " s "
              + (age >= 0 ? "old" : "in the future")
              + ", more than the tolerance of "
              + tolerance.toSeconds()
              + " s (a replay?)");
    }
    return Verdict.pass();
  }

  private static Verdict matches(byte[] expected, String hex, String header) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.trim());
    } catch (IllegalArgumentException e) {
      return fail(
          "expected a hexadecimal HMAC-SHA256 in " + header + ", but it is not hexadecimal");
    }
    if (!MessageDigest.isEqual(expected, given)) {
      return fail(header + " does not match the body (wrong secret, or the body was changed)");
    }
    return Verdict.pass();
  }

  private static byte[] concat(String prefix, byte[] body) {
    byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[head.length + body.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  private static Verdict fail(String reason) {
    return new Verdict(reason);
  }
}
