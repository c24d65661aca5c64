package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Generic HMAC-SHA256 sources (with and without a signed timestamp, CEL type and id) and the source
 * API: validation with every problem, updates that keep the secret, the secret never echoed.
 */
class WebhookSourcesApiTest extends WebhookTestBase {
  @Test
  @SuppressWarnings("unchecked")
  void genericHmacWithCelTypeAndId() {
    String body = "{\"kind\":\"refund\",\"amount\":5}";
    Wire.Response ok =
        hook(
            "generic",
            Map.of(
                "Content-Type",
                "application/json",
                "X-Request-Id",
                "req-1",
                "X-Signature",
                "sha256=" + hmacHex("g-secret", body)),
            body);
    Wire.Response noId =
        hook(
            "generic",
            Map.of("Content-Type", "application/json", "X-Signature", hmacHex("g-secret", body)),
            body);

    assertThat(ok.status()).as(ok.text()).isEqualTo(202);
    assertThat((Map<String, Object>) ok.json().get("event"))
        .containsEntry("type", "shop.refund")
        .containsEntry("id", "req-1");
    unauthorized(
        "generic",
        () ->
            hook(
                "generic",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "X-Request-Id",
                    "req-2",
                    "X-Signature",
                    hmacHex("g-secret", body + " ")),
                body),
        "does not match");
    unauthorized(
        "generic",
        () ->
            hook(
                "generic",
                Map.of("Content-Type", "application/json", "X-Request-Id", "req-3"),
                body),
        "missing header X-Signature");
    assertThat(noId.status()).as(noId.text()).isEqualTo(422);
    assertThat(noId.pointers()).containsExactly("/id");
    assertThat(wire.storedEvents("source=generic&eventId=req-1")).hasSize(1);

    String stampedBody = "{\"x\":1}";
    long t = now();
    Wire.Response stampedOk =
        hook(
            "stamped",
            Map.of(
                "Content-Type",
                "application/json",
                "X-Timestamp",
                String.valueOf(t),
                "X-Signature",
                hmacHex("t-secret", t + "." + stampedBody)),
            stampedBody);
    assertThat(stampedOk.status()).as(stampedOk.text()).isEqualTo(202);
    assertThat((Map<String, Object>) stampedOk.json().get("event"))
        .containsEntry("type", "webhook.received");
    unauthorized(
        "stamped",
        () ->
            hook(
                "stamped",
                Map.of(
                    "Content-Type",
                    "application/json",
                    "X-Timestamp",
                    String.valueOf(t - 3600),
                    "X-Signature",
                    hmacHex("t-secret", (t - 3600) + "." + stampedBody)),
                stampedBody),
        "old");
  }

  @Test
  @SuppressWarnings("unchecked")
  void sourcesAreValidatedAndNeverEchoTheirSecret() {
    Wire.Response bad =
        wire.put(
            "/v1/sources/broken",
            "{\"scheme\":\"gitlab\",\"secret\":5,\"type\":\"body.(\",\"tolerance\":\"soon\",\"extra\":1}");
    Wire.Response noHeader =
        wire.put("/v1/sources/broken", "{\"scheme\":\"hmac-sha256\",\"secret\":\"x\"}");
    Wire.Response badName =
        wire.put("/v1/sources/bad%20name", "{\"scheme\":\"github\",\"secret\":\"x\"}");
    Wire.Response got = wire.get("/v1/sources/github");
    Wire.Response all = wire.get("/v1/sources");
    Wire.Response update =
        wire.put(
            "/v1/sources/generic",
            "{\"scheme\":\"hmac-sha256\",\"header\":\"X-Signature\",\"type\":\"'shop.' + body.kind\",\"id\":\"headers['x-request-id']\"}");

    assertThat(bad.status()).isEqualTo(422);
    assertThat(bad.pointers())
        .containsExactly("/extra", "/scheme", "/secret", "/type", "/tolerance");
    assertThat(noHeader.pointers()).containsExactly("/header");
    assertThat(badName.status()).isEqualTo(400);
    assertThat(wire.get("/v1/sources/broken").status()).isEqualTo(404);
    assertThat(got.json()).containsEntry("scheme", "github").containsEntry("secretSet", true);
    assertThat(got.text() + all.text() + update.text())
        .doesNotContain(GITHUB_SECRET)
        .doesNotContain(STRIPE_SECRET)
        .doesNotContain(SLACK_SECRET)
        .doesNotContain("g-secret");
    assertThat((List<Object>) all.json().get("items")).hasSizeGreaterThanOrEqualTo(6);
    // an update without a secret keeps the secret
    assertThat(update.status()).isEqualTo(200);
    String body = "{\"kind\":\"kept\"}";
    assertThat(
            hook(
                    "generic",
                    Map.of(
                        "Content-Type",
                        "application/json",
                        "X-Request-Id",
                        "req-kept",
                        "X-Signature",
                        hmacHex("g-secret", body)),
                    body)
                .status())
        .isEqualTo(202);
    assertThat(hook("nobody", Map.of("Content-Type", "application/json"), "{}").status())
        .isEqualTo(404);
    create("to-delete", "{\"scheme\":\"github\",\"secret\":\"x\"}");
    assertThat(wire.send("DELETE", "/v1/sources/to-delete", Map.of(), null).status())
        .isEqualTo(204);
    assertThat(wire.get("/v1/sources/to-delete").status()).isEqualTo(404);
    assertThat(wire.send("DELETE", "/v1/sources/to-delete", Map.of(), null).status())
        .isEqualTo(404);
  }
}
