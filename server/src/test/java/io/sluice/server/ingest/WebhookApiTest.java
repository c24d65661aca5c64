package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Webhook sources and signed deliveries over real HTTP: each scheme with good, bad, missing and
 * stale signatures; GitHub's and Slack's documented test vectors as fixtures; after every refused
 * delivery the store holds nothing from it, and the secret is never echoed.
 */
class WebhookApiTest extends WebhookTestBase {
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
