package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhook sources and signed deliveries over real HTTP: each scheme with good, bad, missing and
 * stale signatures; GitHub's and Slack's documented test vectors as fixtures; after every refused
 * delivery the store holds nothing from it, and the secret is never echoed.
 */
class WebhookApiTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  private static Wire wire;

  // GitHub's and Slack's documented test vectors (see SignaturesTest in the ingestion module)
  static final String GITHUB_SECRET = "It's a Secret to Everybody";
  static final String SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
  static final String SLACK_BODY =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
          + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect"
          + "&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554"
          + "%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
  static final String STRIPE_SECRET = "whsec_test_secret";

  @BeforeAll
  static void sources() {
    wire = new Wire(() -> node.url(""));
    create(
        "github", "{\"scheme\":\"github\",\"secret\":\"" + GITHUB_SECRET.replace("'", "'") + "\"}");
    create("stripe", "{\"scheme\":\"stripe\",\"secret\":\"" + STRIPE_SECRET + "\"}");
    // the documented Slack example is from 2018: this source accepts old timestamps on purpose
    create(
        "slack-doc",
        "{\"scheme\":\"slack\",\"secret\":\"" + SLACK_SECRET + "\",\"tolerance\":\"P36500D\"}");
    create("slack", "{\"scheme\":\"slack\",\"secret\":\"" + SLACK_SECRET + "\"}");
    create(
        "generic",
        "{\"scheme\":\"hmac-sha256\",\"secret\":\"g-secret\",\"header\":\"X-Signature\","
            + "\"type\":\"'shop.' + body.kind\",\"id\":\"headers['x-request-id']\"}");
    create(
        "stamped",
        "{\"scheme\":\"hmac-sha256\",\"secret\":\"t-secret\",\"header\":\"X-Signature\",\"timestampHeader\":\"X-Timestamp\"}");
  }

  private static void create(String name, String body) {
    Wire.Response r = wire.put("/v1/sources/" + name, body);
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    assertThat(r.text()).doesNotContain("secret\":\"");
  }

  static String hmacHex(String secret, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Wire.Response hook(String source, Map<String, String> headers, String body) {
    return wire.send("POST", "/v1/hooks/" + source, headers, Wire.utf8(body));
  }

  private static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Asserts a 401 that stored nothing from {@code source} and was dead-lettered without body. */
  private static Wire.Response unauthorized(
      String source, java.util.function.Supplier<Wire.Response> call, String reason) {
    int before = wire.storedEvents("source=" + source).size();
    Wire.Response r = call.get();
    assertThat(r.status()).as(r.text()).isEqualTo(401);
    assertThat(wire.storedEvents("source=" + source)).hasSize(before);
    assertThat((String) r.errors().get(0).get("message")).contains(reason);
    Map<String, Object> letter = wire.lastDeadLetter();
    assertThat(letter)
        .containsEntry("status", 401L)
        .containsEntry("channel", "POST /v1/hooks/" + source);
    assertThat(letter.get("content")).isNull();
    return r;
  }

  @Test
  @SuppressWarnings("unchecked")
  void github() {
    String body = "{\"action\":\"opened\",\"number\":1}";
    Map<String, String> good =
        Map.of(
            "Content-Type",
            "application/json",
            "X-GitHub-Event",
            "pull_request",
            "X-GitHub-Delivery",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            "X-Hub-Signature-256",
            "sha256=" + hmacHex(GITHUB_SECRET, body));

    Wire.Response ok = hook("github", good, body);
    Wire.Response redelivered = hook("github", good, body);
    Wire.Response tampered = hook("github", good, body.replace("1", "2"));

    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    Map<String, Object> event = (Map<String, Object>) ok.json().get("event");
    assertThat(event)
        .containsEntry("source", "github")
        .containsEntry("type", "github.pull_request")
        .containsEntry("id", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
        .containsEntry("data", Map.of("action", "opened", "number", 1L));
    // GitHub signs no timestamp: a replayed delivery is stopped by its delivery id
    assertThat(redelivered.status()).isEqualTo(200);
    assertThat(redelivered.json())
        .containsEntry("duplicate", true)
        .containsEntry("id", ok.json().get("id"));
    assertThat(tampered.status()).isEqualTo(401);
    unauthorized(
        "github",
        () -> hook("github", Map.of("Content-Type", "application/json"), body),
        "missing header X-Hub-Signature-256");
    assertThat(wire.storedEvents("source=github")).hasSize(1);
  }

  @Test
  void githubsDocumentedVectorPassesTheSignatureCheck() {
    // body "Hello, World!" is not JSON: the signature passes, then the body is refused (415, not
    // 401)
    Wire.Response r =
        hook(
            "github",
            Map.of(
                "Content-Type",
                "text/plain",
                "X-Hub-Signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"),
            "Hello, World!");
    Wire.Response wrong =
        hook(
            "github",
            Map.of(
                "Content-Type",
                "text/plain",
                "X-Hub-Signature-256",
                "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18"),
            "Hello, World!");

    assertThat(r.status()).as(r.text()).isEqualTo(415);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(r.text() + wrong.text()).doesNotContain(GITHUB_SECRET);
  }

  @Test
  @SuppressWarnings("unchecked")
  void stripe() {
    String body =
        "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"type\": \"charge.succeeded\"\n}";
    long t = now();
    String v1 = hmacHex(STRIPE_SECRET, t + "." + body);
    String header =
        "t="
            + t
            + ",v1="
            + v1
            + ",v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39";

    Wire.Response ok =
        hook(
            "stripe", Map.of("Content-Type", "application/json", "Stripe-Signature", header), body);

    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    assertThat((Map<String, Object>) ok.json().get("event"))
        .containsEntry("id", "evt_test_webhook")
        .containsEntry("type", "stripe.charge.succeeded");
    unauthorized(
        "stripe",
        () ->
            hook(
                "stripe",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "Stripe-Signature",
                    "t=" + t + ",v1=" + hmacHex("whsec_other", t + "." + body)),
                body),
        "does not match");
    unauthorized(
        "stripe",
        () -> hook("stripe", Map.of("Content-Type", "application/json"), body),
        "missing header Stripe-Signature");
    long old = t - 301;
    String replayed = body.replace("evt_test_webhook", "evt_replayed");
    Wire.Response stale =
        unauthorized(
            "stripe",
            () ->
                hook(
                    "stripe",
                    Map.of(
                        "Content-Type",
                        "application/json",
                        "Stripe-Signature",
                        "t=" + old + ",v1=" + hmacHex(STRIPE_SECRET, old + "." + replayed)),
                    replayed),
            "old");
    assertThat((String) stale.errors().get(0).get("message")).contains("tolerance of 300 s");
    assertThat(wire.storedEvents("source=stripe")).hasSize(1);
  }

  @Test
  @SuppressWarnings("unchecked")
  void slack() {
    Wire.Response documented =
        hook(
            "slack-doc",
            Map.of(
                "Content-Type",
                "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp",
                "1531420618",
                "X-Slack-Signature",
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
            SLACK_BODY);
    String event =
        "{\"type\":\"event_callback\",\"event_id\":\"Ev1\",\"event\":{\"type\":\"app_mention\",\"text\":\"hi\"}}";
    long t = now();
    Wire.Response fresh =
        hook(
            "slack",
            Map.of(
                "Content-Type",
                "application/json",
                "X-Slack-Request-Timestamp",
                String.valueOf(t),
                "X-Slack-Signature",
                "v0=" + hmacHex(SLACK_SECRET, "v0:" + t + ":" + event)),
            event);
    String challenge =
        "{\"type\":\"url_verification\",\"challenge\":\"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P\"}";
    Wire.Response verification =
        hook(
            "slack",
            Map.of(
                "Content-Type",
                "application/json",
                "X-Slack-Request-Timestamp",
                String.valueOf(t),
                "X-Slack-Signature",
                "v0=" + hmacHex(SLACK_SECRET, "v0:" + t + ":" + challenge)),
            challenge);

    assertThat(documented.status()).as(documented.text()).isEqualTo(202);
    Map<String, Object> doc = (Map<String, Object>) documented.json().get("event");
    assertThat(doc).containsEntry("type", "slack.command");
    assertThat((Map<String, Object>) doc.get("data"))
        .containsEntry("command", "/webhook-collect")
        .containsEntry("user_name", "roadrunner");
    unauthorized(
        "slack",
        () ->
            hook(
                "slack",
                Map.of(
                    "Content-Type",
                    "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp",
                    "1531420618",
                    "X-Slack-Signature",
                    "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
                SLACK_BODY),
        "old");
    assertThat(fresh.status()).as(fresh.text()).isEqualTo(202);
    assertThat((Map<String, Object>) fresh.json().get("event"))
        .containsEntry("id", "Ev1")
        .containsEntry("type", "slack.app_mention");
    unauthorized(
        "slack",
        () ->
            hook(
                "slack",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "X-Slack-Request-Timestamp",
                    String.valueOf(t),
                    "X-Slack-Signature",
                    "v0=" + hmacHex("nope", "v0:" + t + ":" + event)),
                event),
        "does not match");
    unauthorized(
        "slack",
        () ->
            hook(
                "slack",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "X-Slack-Request-Timestamp",
                    String.valueOf(t)),
                event),
        "missing header X-Slack-Signature");
    assertThat(verification.status()).isEqualTo(200);
    assertThat(verification.json())
        .isEqualTo(Map.of("challenge", "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
    assertThat(wire.storedEvents("source=slack")).hasSize(1);
  }
}
