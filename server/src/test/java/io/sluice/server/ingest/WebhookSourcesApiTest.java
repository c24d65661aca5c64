package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Generic HMAC-SHA256 sources (with and without a signed timestamp, CEL type and id) and the source
 * API: validation with every problem, updates that keep the secret, the secret never echoed.
 */
class WebhookSourcesApiTest {
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
