package io.sluice.server.api;

import static io.sluice.server.testing.Views.items;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.sluice.core.json.Json;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Outbound webhook subscriptions through real HTTP (SPEC §5, §6): lifecycle events reach a
 * subscriber's URL as signed CloudEvents, filtered by type, and are tried again when it fails.
 */
class SubscriptionApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private static final Client client = new Client(node);

  /** What a receiver got: path, signature header, body. */
  record Received(String path, String signature, String body) {}

  private static HttpServer receiver;
  private static final List<Received> received = new CopyOnWriteArrayList<>();
  private static final AtomicInteger flakyCalls = new AtomicInteger();

  @BeforeAll
  static void startReceiver() throws IOException {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          // the flaky receiver refuses its first two calls
          boolean refuse = path.startsWith("/flaky") && flakyCalls.incrementAndGet() <= 2;
          if (!refuse) {
            received.add(
                new Received(
                    path, exchange.getRequestHeaders().getFirst("Sluice-Signature"), body));
          }
          exchange.sendResponseHeaders(refuse ? 503 : 204, -1);
          exchange.close();
        });
    receiver.start();
    client.put(
        "/v1/workflows/hooked",
        """
        {"id":"hooked","steps":[{"id":"a","type":"transform","with":{"ok":true}}]}
        """);
  }

  @AfterAll
  static void stopReceiver() {
    receiver.stop(0);
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
  }

  private static Map<String, Object> subscribe(String path, String types) {
    var r =
        client.post("/v1/subscriptions", "{\"url\":\"" + url(path) + "\",\"types\":" + types + "}");
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json();
  }

  private static String start() {
    return (String) client.post("/v1/workflows/hooked/instances?wait=PT5S", "{}").json().get("id");
  }

  private static List<Received> at(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  @Test
  void lifecycleEventsOfTheSubscribedTypesArriveSigned() throws Exception {
    Map<String, Object> sub = subscribe("/completed", "[\"workflow.completed\"]");
    String secret = (String) sub.get("secret");

    String id = start();

    await().atMost(Duration.ofSeconds(10)).until(() -> !at("/completed").isEmpty());
    Received got = at("/completed").get(0);
    Map<String, Object> event = Json.parseObject(got.body());
    assertThat(event).containsEntry("type", "workflow.completed").containsEntry("subject", id);
    String[] parts = got.signature().split(",");
    String t = parts[0].substring(2);
    assertThat(parts[1]).isEqualTo("v1=" + hmac(secret, t + "." + got.body()));
    assertThat(at("/completed"))
        .allSatisfy(r -> assertThat(r.body()).contains("workflow.completed"));
  }

  @Test
  void eventsOfEmitStepsReachSubscribersOfTheirType() {
    subscribe("/leads", "[\"lead.scored\"]");
    client.put(
        "/v1/workflows/scoring",
        """
        {"id":"scoring","steps":[{"id":"emit","type":"emit",
           "with":{"type":"lead.scored","data":{"score":12}}}]}
        """);

    String id =
        (String) client.post("/v1/workflows/scoring/instances?wait=PT5S", "{}").json().get("id");

    await().atMost(Duration.ofSeconds(10)).until(() -> !at("/leads").isEmpty());
    Map<String, Object> event = Json.parseObject(at("/leads").get(0).body());
    assertThat(event)
        .containsEntry("type", "lead.scored")
        .containsEntry("id", id + "/emit")
        .containsEntry("data", Map.of("score", 12L));
  }

  @Test
  void aFailingReceiverGetsTheEventOnceItAnswers() {
    subscribe("/flaky", "[\"workflow.started\"]");

    start();

    await().atMost(Duration.ofSeconds(20)).until(() -> !at("/flaky").isEmpty());
    assertThat(flakyCalls.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aDeletedSubscriptionGetsNothingMoreAndReadsNeverShowTheSecret() {
    Map<String, Object> sub = subscribe("/deleted", "[]");
    String id = (String) sub.get("id");

    assertThat(client.get("/v1/subscriptions/" + id).json()).doesNotContainKey("secret");
    assertThat(items(client.get("/v1/subscriptions"))).noneMatch(s -> s.containsKey("secret"));
    assertThat(client.delete("/v1/subscriptions/" + id).status()).isEqualTo(204);
    assertThat(client.get("/v1/subscriptions/" + id).status()).isEqualTo(404);
    start();
    awaitALaterDeliveryElsewhere();
    assertThat(at("/deleted")).isEmpty();
  }

  @Test
  void aBadSubscriptionIsRefusedWithEveryProblem() {
    var r = client.post("/v1/subscriptions", "{\"url\":\"ftp://x\",\"types\":[1]}");

    assertThat(r.status()).isEqualTo(422);
    assertThat(r.text()).contains("/url", "/types/0");
  }

  /** Another subscription's delivery of a later instance shows the queue moved past the first. */
  private static void awaitALaterDeliveryElsewhere() {
    subscribe("/marker", "[\"workflow.completed\"]");
    String later = start();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> at("/marker").stream().anyMatch(r -> r.body().contains(later)));
  }

  private static String hmac(String secret, String payload) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
  }
}
