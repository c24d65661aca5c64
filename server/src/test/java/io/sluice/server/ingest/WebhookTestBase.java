package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the webhook API tests share: one node per test class, the sources of every scheme (GitHub's
 * and Slack's documented test vectors among them), signing, delivery and the 401 check.
 */
abstract class WebhookTestBase {
  @RegisterExtension static final NodeExtension node = new NodeExtension();
  static Wire wire;

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

  static void create(String name, String body) {
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

  static Wire.Response hook(String source, Map<String, String> headers, String body) {
    return wire.send("POST", "/v1/hooks/" + source, headers, Wire.utf8(body));
  }

  static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** Asserts a 401 that stored nothing from {@code source} and was dead-lettered without body. */
  static Wire.Response unauthorized(
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
}
