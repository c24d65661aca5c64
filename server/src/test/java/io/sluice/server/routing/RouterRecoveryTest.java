package io.sluice.server.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.sluice.server.Sluice;
import io.sluice.server.store.EmbeddedMongo;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An event stored before a crash but not routed (the crash fell between the store write and the
 * router) is routed when the node starts again: the router keeps a checkpoint of what it routed
 * and, at start, routes the node's stored events since then that have no routing record.
 */
class RouterRecoveryTest {
  private static final String NODE = "node-recovery-test";
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Path dir;
  private Sluice sluice;

  @BeforeEach
  void start() throws Exception {
    dir = Files.createTempDirectory("sluice-router-recovery");
    sluice = node();
  }

  @AfterEach
  void stop() throws Exception {
    if (sluice != null) {
      sluice.stop();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private Sluice node() {
    return Sluice.start(
        SluiceConfig.defaults()
            .with(Setting.HTTP_PORT, 0)
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.NODE_ID, NODE)
            .with(Setting.ORCHESTRATOR_CHECKPOINT_INTERVAL, Duration.ofMillis(100))
            .with(Setting.ROUTER_NODE_TIMEOUT, Duration.ofMillis(600))
            .with(Setting.DATA_DIR, dir));
  }

  @Test
  void anEventStoredButNotRoutedIsRoutedWhenTheNodeStartsAgain() throws Exception {
    // given: a workflow started by recover.me events, one event routed the normal way
    send(
        "PUT",
        "/v1/workflows/rr",
        """
        {"id":"rr","triggers":[{"event":{"type":"recover.me"}}],
         "steps":[{"id":"a","type":"transform","with":{"n":"${input.n}"}}]}
        """);
    send("POST", "/v1/events", event("routed-1", 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> keys().contains("/test/routed-1"));
    Instant received = receivedAt("routed-1");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                checkpoint(sluice.database()) != null
                    && !checkpoint(sluice.database()).isBefore(received));
    sluice.stop();
    sluice = null;

    // and: what a crash leaves in the store, written while the node is down: an event received
    // after the checkpoint that has no routing record (stored, answered, never routed); one
    // received after it that was routed (it has a record); one older than the checkpoint
    Instant checkpoint;
    try (EmbeddedMongo store = EmbeddedMongo.start(dir);
        MongoClient client = MongoClients.create(store.connectionString())) {
      MongoDatabase db = client.getDatabase(SluiceConfig.defaults().get(Setting.MONGO_DATABASE));
      checkpoint = checkpoint(db);
      insert(db, "lost-1", 2, checkpoint.plusMillis(1), null);
      insert(db, "recorded-1", 3, checkpoint.plusMillis(2), Map.of("started", List.of()));
      insert(db, "old-1", 4, checkpoint.minus(Duration.ofHours(1)), null);
    }

    // when
    sluice = node();

    // then: the unrouted one started its instance once the node was up, and only it
    assertThat(keys()).contains("/test/lost-1").doesNotContain("/test/recorded-1", "/test/old-1");
    assertThat(keys()).filteredOn(k -> k.equals("/test/lost-1")).hasSize(1);
    assertThat(routing("lost-1")).as("recorded like any routed event").isNotNull();
    // and a second start routes nothing again (the event now has a record; the checkpoint moved)
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checkpoint(sluice.database()).isAfter(checkpoint));
    sluice.stop();
    sluice = node();
    assertThat(keys()).filteredOn(k -> k.equals("/test/lost-1")).hasSize(1);
    assertThat(keys()).hasSize(2);
  }

  @Test
  void theEventsADeadNodeStoredAndHadNotRoutedAreRoutedByALiveNode() throws Exception {
    // given: a workflow, and what a node that died an hour ago left in the store: its checkpoint,
    // and an event it stored after it without routing it
    send(
        "PUT",
        "/v1/workflows/rr",
        """
        {"id":"rr","triggers":[{"event":{"type":"recover.me"}}],
         "steps":[{"id":"a","type":"transform","with":{"n":"${input.n}"}}]}
        """);
    Instant hourAgo = Instant.now().minus(Duration.ofHours(1));
    MongoDatabase db = sluice.database();
    get(
        Rx.first(
            db.getCollection("router_checkpoints")
                .insertOne(
                    new Document("_id", "node-dead")
                        .append("routedBefore", Date.from(hourAgo))
                        .append("seenAt", Date.from(hourAgo)))));
    insert(db, "node-dead", "orphan-1", 5, hourAgo.plusSeconds(1), null);
    insert(db, "node-dead", "orphan-old", 6, hourAgo.minus(Duration.ofHours(1)), null);

    // then: the live node routes it within its node timeout, and only it
    await().atMost(Duration.ofSeconds(10)).until(() -> keys().contains("/test/orphan-1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> checkpoint(db, "node-dead").isAfter(hourAgo));
    assertThat(keys()).doesNotContain("/test/orphan-old").hasSize(1);
  }

  private static String event(String id, int n) {
    return """
        {"specversion":"1.0","id":"%s","source":"/test","type":"recover.me","data":{"n":%d}}
        """
        .formatted(id, n);
  }

  private static void insert(
      MongoDatabase db, String id, int n, Instant receivedAt, Map<String, Object> routing)
      throws Exception {
    insert(db, NODE, id, n, receivedAt, routing);
  }

  private static void insert(
      MongoDatabase db,
      String node,
      String id,
      int n,
      Instant receivedAt,
      Map<String, Object> routing)
      throws Exception {
    CloudEvent e = CloudEvent.of(id, "/test", "recover.me", null, Map.of("n", (long) n));
    Document doc =
        new Document("_id", "zz-" + id)
            .append("node", node)
            .append("source", e.source())
            .append("eventId", e.id())
            .append("type", e.type())
            .append("receivedAt", Date.from(receivedAt))
            .append("envelope", Json.write(e.toMap()));
    if (routing != null) {
      doc.append("routing", Json.write(routing));
    }
    get(Rx.first(db.getCollection("events").insertOne(doc)));
  }

  private static Instant checkpoint(MongoDatabase db) throws Exception {
    return checkpoint(db, NODE);
  }

  private static Instant checkpoint(MongoDatabase db, String node) throws Exception {
    Document d =
        get(Rx.first(db.getCollection("router_checkpoints").find(Filters.eq("_id", node)).first()));
    return d == null ? null : d.getDate("routedBefore").toInstant();
  }

  private Instant receivedAt(String eventId) throws Exception {
    return stored(eventId).getDate("receivedAt").toInstant();
  }

  private Object routing(String eventId) throws Exception {
    return stored(eventId).get("routing");
  }

  private Document stored(String eventId) throws Exception {
    return get(
        Rx.first(
            sluice
                .database()
                .getCollection("events")
                .find(Filters.eq("eventId", eventId))
                .first()));
  }

  private static <T> T get(io.vertx.core.Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @SuppressWarnings("unchecked")
  private List<String> keys() throws Exception {
    Map<String, Object> page =
        (Map<String, Object>) Json.parse(send("GET", "/v1/instances?workflow=rr&limit=100", null));
    return ((List<Map<String, Object>>) page.get("items"))
        .stream().map(i -> (String) i.get("key")).toList();
  }

  private String send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sluice.port() + path))
            .header("Content-Type", "application/json");
    b =
        body == null
            ? b.method(method, HttpRequest.BodyPublishers.noBody())
            : b.method(method, HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isLessThan(300);
    return r.body();
  }
}
