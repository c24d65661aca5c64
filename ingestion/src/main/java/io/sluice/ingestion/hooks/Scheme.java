package io.sluice.ingestion.hooks;

import java.util.Arrays;
import java.util.Optional;

/** How a webhook source signs its deliveries. */
public enum Scheme {
  /** {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>}; no timestamp. */
  GITHUB("github"),
  /**
   * {@code Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>[,v1=...]}; the
   * timestamp must be within the tolerance.
   */
  STRIPE("stripe"),
  /**
   * {@code X-Slack-Signature: v0=<hex HMAC-SHA256(secret, "v0:" + ts + ":" + body)>} with {@code
   * X-Slack-Request-Timestamp: ts} within the tolerance.
   */
  SLACK("slack"),
  /**
   * The source's {@code header} holds {@code <hex>} or {@code sha256=<hex>} of HMAC-SHA256(secret,
   * body); with a {@code timestampHeader}, of {@code ts + "." + body}, ts within the tolerance.
   */
  HMAC_SHA256("hmac-sha256");

  private final String id;

  Scheme(String id) {
    this.id = id;
  }

  /** The name used in the API. */
  public String id() {
    return id;
  }

  public static Optional<Scheme> of(String id) {
    return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
  }

  /** Whether the scheme signs a timestamp (and so bounds replays by the tolerance). */
  public boolean timestamped(WebhookSource source) {
    return this == STRIPE
        || this == SLACK
        || (this == HMAC_SHA256 && source.timestampHeader() != null);
  }
}
