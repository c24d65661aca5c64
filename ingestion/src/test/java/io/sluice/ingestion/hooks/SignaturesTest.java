package io.sluice.ingestion.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Each scheme with good, bad, missing and stale signatures. GitHub's and Slack's fixtures are the
 * test vectors their documentation publishes; Stripe publishes the header format and algorithm but
 * no secret for its example header, so its fixture is the payload and secret of Stripe's own SDK
 * tests, signed here with the documented algorithm by code independent of {@link Signatures}.
 */
class SignaturesTest {
  private static final Duration FIVE_MINUTES = Duration.ofMinutes(5);

  // docs.github.com, "Validating webhook deliveries", "Testing the webhook payload validation"
  static final String GITHUB_SECRET = "It's a Secret to Everybody";
  static final String GITHUB_BODY = "Hello, World!";
  static final String GITHUB_SIGNATURE =
      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

  // api.slack.com, "Verifying requests from Slack", the worked example
  static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String SLACK_TIMESTAMP = "1531420618";
  static final String SLACK_BODY =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
          + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
          + "&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
          + "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  static final String SLACK_SIGNATURE =
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

  // Stripe's SDK tests: secret and payload (JSON.stringify(payload, null, 2))
  static final String STRIPE_SECRET = "whsec_test_secret";
  static final String STRIPE_BODY =
      "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\"\n}";

  static WebhookSource source(Scheme scheme, String secret, String header, String timestampHeader) {
    return new WebhookSource(
        "s",
        scheme,
        secret,
        header,
        timestampHeader,
        null,
        null,
        null,
        Instant.EPOCH,
        Instant.EPOCH);
  }

  static UnaryOperator<String> headers(String... pairs) {
    Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map::get;
  }

  /** HMAC-SHA256 as hex, written from the providers' documentation. */
  static String hmacHex(String secret, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
  }

  private static Signatures.Verdict verify(
      WebhookSource s, UnaryOperator<String> h, String body, Instant now) {
    return Signatures.verify(s, h, body.getBytes(StandardCharsets.UTF_8), now, FIVE_MINUTES);
  }

  @Test
  void github() {
    WebhookSource gh = source(Scheme.GITHUB, GITHUB_SECRET, null, null);
    Instant now = Instant.now();

    assertThat(verify(gh, headers("X-Hub-Signature-256", GITHUB_SIGNATURE), GITHUB_BODY, now).ok())
        .isTrue();
    assertThat(
            verify(
                    gh,
                    headers(
                        "x-hub-signature-256",
                        GITHUB_SIGNATURE.toUpperCase(Locale.ROOT).replace("SHA256=", "sha256=")),
                    GITHUB_BODY,
                    now)
                .ok())
        .isTrue();
    assertThat(
            verify(gh, headers("X-Hub-Signature-256", GITHUB_SIGNATURE), "Hello, World?", now)
                .failure())
        .contains("does not match");
    assertThat(
            verify(
                    source(Scheme.GITHUB, "another secret", null, null),
                    headers("X-Hub-Signature-256", GITHUB_SIGNATURE),
                    GITHUB_BODY,
                    now)
                .ok())
        .isFalse();
    assertThat(verify(gh, headers(), GITHUB_BODY, now).failure())
        .isEqualTo("missing header X-Hub-Signature-256");
    assertThat(
            verify(
                    gh,
                    headers("X-Hub-Signature-256", GITHUB_SIGNATURE.substring(7)),
                    GITHUB_BODY,
                    now)
                .failure())
        .contains("sha256=<hex>");
    assertThat(verify(gh, headers("X-Hub-Signature-256", "sha256=zz"), GITHUB_BODY, now).failure())
        .contains("not hexadecimal");
    assertThat(verify(gh, headers("X-Hub-Signature-256", "sha256=757107"), GITHUB_BODY, now).ok())
        .isFalse();
  }

  @Test
  void slack() {
    WebhookSource slack = source(Scheme.SLACK, SLACK_SECRET, null, null);
    Instant sent = Instant.ofEpochSecond(Long.parseLong(SLACK_TIMESTAMP));
    UnaryOperator<String> good =
        headers("X-Slack-Request-Timestamp", SLACK_TIMESTAMP, "X-Slack-Signature", SLACK_SIGNATURE);

    assertThat(verify(slack, good, SLACK_BODY, sent.plusSeconds(3)).ok()).isTrue();
    assertThat(verify(slack, good, SLACK_BODY + "&x=1", sent).failure()).contains("does not match");
    assertThat(
            verify(slack, headers("X-Slack-Signature", SLACK_SIGNATURE), SLACK_BODY, sent)
                .failure())
        .isEqualTo("missing header X-Slack-Request-Timestamp");
    assertThat(
            verify(slack, headers("X-Slack-Request-Timestamp", SLACK_TIMESTAMP), SLACK_BODY, sent)
                .failure())
        .isEqualTo("missing header X-Slack-Signature");
    assertThat(verify(slack, good, SLACK_BODY, sent.plusSeconds(301)).failure())
        .contains("301 s old")
        .contains("tolerance of 300 s");
    assertThat(verify(slack, good, SLACK_BODY, sent.minusSeconds(400)).failure())
        .contains("in the future");
  }

  @Test
  void stripe() throws Exception {
    WebhookSource stripe = source(Scheme.STRIPE, STRIPE_SECRET, null, null);
    Instant now = Instant.ofEpochSecond(1_700_000_000L);
    String t = String.valueOf(now.getEpochSecond());
    String v1 = hmacHex(STRIPE_SECRET, t + "." + STRIPE_BODY);
    String v0 = "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";

    assertThat(
            verify(
                    stripe,
                    headers("Stripe-Signature", "t=" + t + ",v1=" + v1 + ",v0=" + v0),
                    STRIPE_BODY,
                    now)
                .ok())
        .isTrue();
    // secret rolling: several v1 signatures, one of them valid
    assertThat(
            verify(
                    stripe,
                    headers("Stripe-Signature", "t=" + t + ",v1=" + v0 + ",v1=" + v1),
                    STRIPE_BODY,
                    now)
                .ok())
        .isTrue();
    assertThat(
            verify(stripe, headers("Stripe-Signature", "t=" + t + ",v1=" + v0), STRIPE_BODY, now)
                .failure())
        .contains("does not match");
    // a test-mode v0 alone is never accepted (no downgrade)
    assertThat(
            verify(stripe, headers("Stripe-Signature", "t=" + t + ",v0=" + v1), STRIPE_BODY, now)
                .failure())
        .contains("v1=");
    assertThat(verify(stripe, headers("Stripe-Signature", "v1=" + v1), STRIPE_BODY, now).failure())
        .contains("timestamp");
    assertThat(verify(stripe, headers(), STRIPE_BODY, now).failure())
        .isEqualTo("missing header Stripe-Signature");
    assertThat(
            verify(
                    stripe,
                    headers("Stripe-Signature", "t=" + t + ",v1=" + v1),
                    STRIPE_BODY,
                    now.plusSeconds(600))
                .failure())
        .contains("600 s old");
    assertThat(verify(stripe, headers("Stripe-Signature", "garbage"), STRIPE_BODY, now).failure())
        .contains("t=<unix time>");
  }

  @Test
  void genericHmac() throws Exception {
    WebhookSource plain = source(Scheme.HMAC_SHA256, "s3cret", "X-Signature", null);
    WebhookSource stamped = source(Scheme.HMAC_SHA256, "s3cret", "X-Signature", "X-Timestamp");
    Instant now = Instant.ofEpochSecond(1_700_000_000L);
    String body = "{\"a\":1}";
    String sig = hmacHex("s3cret", body);
    String stampedSig = hmacHex("s3cret", "1700000000." + body);

    assertThat(verify(plain, headers("X-Signature", sig), body, now).ok()).isTrue();
    assertThat(verify(plain, headers("X-Signature", "sha256=" + sig), body, now).ok()).isTrue();
    assertThat(verify(plain, headers("X-Signature", sig), body + " ", now).ok()).isFalse();
    assertThat(verify(plain, headers(), body, now).failure())
        .isEqualTo("missing header X-Signature");
    assertThat(
            verify(
                    stamped,
                    headers("X-Signature", stampedSig, "X-Timestamp", "1700000000"),
                    body,
                    now)
                .ok())
        .isTrue();
    assertThat(verify(stamped, headers("X-Signature", stampedSig), body, now).failure())
        .isEqualTo("missing header X-Timestamp");
    assertThat(
            verify(
                    stamped,
                    headers("X-Signature", stampedSig, "X-Timestamp", "1700000000"),
                    body,
                    now.plusSeconds(3600))
                .failure())
        .contains("old");
  }

  @Test
  void noFailureReasonOrDescriptionRevealsTheSecret() throws Exception {
    WebhookSource gh = source(Scheme.GITHUB, GITHUB_SECRET, null, null);
    String expectedHex = GITHUB_SIGNATURE.substring(7);
    for (String given : new String[] {"sha256=00", "sha256=" + "0".repeat(64), "x"}) {
      String failure =
          verify(gh, headers("X-Hub-Signature-256", given), GITHUB_BODY, Instant.now()).failure();
      assertThat(failure).doesNotContain(GITHUB_SECRET).doesNotContain(expectedHex);
    }
    assertThat(gh.toString()).doesNotContain(GITHUB_SECRET);
    assertThat(gh.toMap().toString()).doesNotContain(GITHUB_SECRET);
  }
}
