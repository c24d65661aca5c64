package io.sluice.orchestrator.webhooks;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.crypto.Hmac;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.IdGenerator;
import io.sluice.core.json.Json;
import io.sluice.orchestrator.engine.LifecycleSink;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Outbound webhook subscriptions (SPEC §5, §6): lifecycle events POSTed to subscribers' URLs,
 * signed with HMAC-SHA256 and retried.
 *
 * <p>Durable in two steps. As a {@link LifecycleSink}, it writes one delivery document per (event,
 * matching subscription) into {@code webhook_deliveries}, and the outbox relay moves its checkpoint
 * past a save only after that write: an event is never lost between the save and the queue. Then a
 * delivery loop on every node takes due deliveries (each held for a lease, so two nodes do not send
 * the same one at once), POSTs them, deletes them on a 2xx and otherwise tries again with
 * exponential backoff (1 s doubling to 1 h) up to {@link #MAX_ATTEMPTS} times, after which the
 * delivery is kept, marked failed. At-least-once: the same event may arrive twice (its CloudEvent
 * {@code id} is stable).
 *
 * <p>Signature: header {@code Sluice-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>" with the subscription's secret>}.
 */
public final class Webhooks implements LifecycleSink {
  private static final Logger log = LoggerFactory.getLogger(Webhooks.class);
  static final int MAX_ATTEMPTS = 15;
  static final Duration LEASE = Duration.ofSeconds(30);
  private static final Duration MAX_BACKOFF = Duration.ofHours(1);
  private static final long TICK_MS = 200;
  private static final int PER_TICK = 32;
  static final String SIGNATURE_HEADER = "Sluice-Signature";

  /** A subscription: the types it wants (empty = all lifecycle events). */
  public record Subscription(
      String id, String url, List<String> types, String secret, Instant createdAt) {
    boolean wants(String type) {
      return types.isEmpty() || types.contains(type);
    }
  }

  private final Vertx vertx;
  private final Clock clock;
  private final IdGenerator ids;
  private final MongoCollection<Document> subscriptions;
  private final MongoCollection<Document> deliveries;
  private final List<Subscription> cached = new CopyOnWriteArrayList<>();
  private WebClient client;
  private long timer = -1;
  private long refreshed;
  private boolean busy; // a tick is still taking deliveries

  public Webhooks(Vertx vertx, MongoDatabase db, Clock clock, IdGenerator ids) {
    this.vertx = vertx;
    this.clock = clock;
    this.ids = ids;
    this.subscriptions = db.getCollection("webhook_subscriptions");
    this.deliveries = db.getCollection("webhook_deliveries");
  }

  /** Loads the subscriptions and starts the delivery loop. */
  public Future<Void> start() {
    client =
        WebClient.create(vertx, new WebClientOptions().setConnectTimeout(5_000).setIdleTimeout(30));
    return refresh().onSuccess(v -> timer = vertx.setPeriodic(TICK_MS, t -> tick())).mapEmpty();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (client != null) {
      client.close();
    }
  }

  // ---- subscriptions -----------------------------------------------------------------------

  /** Creates a subscription; a secret is generated when none is given (and answered once). */
  public Future<Subscription> create(String url, List<String> types, String secret) {
    Subscription s =
        new Subscription(
            ids.next(),
            url,
            List.copyOf(types),
            secret == null || secret.isBlank() ? newSecret() : secret,
            clock.instant());
    Document d =
        new Document("_id", s.id())
            .append("url", s.url())
            .append("types", s.types())
            .append("secret", s.secret())
            .append("createdAt", Date.from(s.createdAt()));
    return Rx.first(subscriptions.insertOne(d)).compose(r -> refresh()).map(v -> s);
  }

  public Future<List<Subscription>> list() {
    return Rx.all(subscriptions.find().sort(Sorts.ascending("createdAt")))
        .map(docs -> docs.stream().map(Webhooks::subscription).toList());
  }

  /** The subscription, or null. */
  public Future<Subscription> get(String id) {
    return Rx.first(subscriptions.find(Filters.eq("_id", id)).first())
        .map(d -> d == null ? null : subscription(d));
  }

  /** Deletes it and its pending deliveries; false when there was none. */
  public Future<Boolean> delete(String id) {
    return Rx.first(subscriptions.deleteOne(Filters.eq("_id", id)))
        .compose(
            r ->
                Rx.first(deliveries.deleteMany(Filters.eq("subscriptionId", id)))
                    .compose(x -> refresh())
                    .map(v -> r.getDeletedCount() > 0));
  }

  /** Pending (and failed) deliveries of a subscription. */
  public Future<Map<String, Long>> backlog(String id) {
    Future<Long> pending =
        Rx.first(
            deliveries.countDocuments(
                Filters.and(Filters.eq("subscriptionId", id), Filters.eq("failed", false))));
    Future<Long> failed =
        Rx.first(
            deliveries.countDocuments(
                Filters.and(Filters.eq("subscriptionId", id), Filters.eq("failed", true))));
    return Future.all(pending, failed)
        .map(v -> Map.of("pending", pending.result(), "failed", failed.result()));
  }

  private Future<Void> refresh() {
    return list()
        .map(
            all -> {
              cached.clear();
              cached.addAll(all);
              refreshed = clock.millis();
              return null;
            });
  }

  // ---- the sink ----------------------------------------------------------------------------

  /** Queues one delivery per (event, matching subscription); a repeat of one is ignored. */
  @Override
  public Future<Void> publish(List<CloudEvent> events) {
    List<Document> queued = new ArrayList<>();
    Date now = Date.from(clock.instant());
    for (CloudEvent e : events) {
      for (Subscription s : cached) {
        if (s.wants(e.type())) {
          queued.add(
              new Document("_id", e.id() + "|" + s.id())
                  .append("subscriptionId", s.id())
                  .append("event", Json.write(e.toMap()))
                  .append("attempts", 0)
                  .append("failed", false)
                  .append("nextAt", now)
                  .append("createdAt", now));
        }
      }
    }
    if (queued.isEmpty()) {
      return Future.succeededFuture();
    }
    return Rx.first(deliveries.insertMany(queued, new InsertManyOptions().ordered(false)))
        .<Void>mapEmpty()
        .recover(
            e ->
                e instanceof MongoBulkWriteException bulk
                        && bulk.getWriteErrors().stream().allMatch(w -> w.getCode() == 11000)
                    ? Future.succeededFuture() // queued before (a republished event)
                    : Future.failedFuture(e));
  }

  // ---- delivering --------------------------------------------------------------------------

  private void tick() {
    if (clock.millis() - refreshed > 5_000) {
      refresh(); // subscriptions made on other nodes
    }
    if (!cached.isEmpty() && !busy) {
      busy = true;
      takeUpTo(PER_TICK);
    }
  }

  /** Takes and sends due deliveries one after another, until none is due or n were taken. */
  private void takeUpTo(int n) {
    if (n == 0) {
      busy = false;
      return;
    }
    take()
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result() != null) {
                deliver(ar.result());
                takeUpTo(n - 1);
              } else {
                busy = false; // none due (or the store failed): the next tick looks again
              }
            });
  }

  /** The oldest due delivery, now leased to this node; null if none. */
  private Future<Document> take() {
    Date now = Date.from(clock.instant());
    return Rx.first(
        deliveries.findOneAndUpdate(
            Filters.and(Filters.eq("failed", false), Filters.lte("nextAt", now)),
            Updates.set("nextAt", Date.from(clock.instant().plus(LEASE))),
            new FindOneAndUpdateOptions()
                .sort(Sorts.ascending("nextAt"))
                .returnDocument(ReturnDocument.AFTER)));
  }

  private void deliver(Document d) {
    Subscription s =
        cached.stream()
            .filter(x -> x.id().equals(d.getString("subscriptionId")))
            .findFirst()
            .orElse(null);
    if (s == null) {
      Rx.first(deliveries.deleteOne(Filters.eq("_id", d.get("_id")))); // subscription gone
      return;
    }
    String body = d.getString("event");
    long t = clock.instant().getEpochSecond();
    client
        .postAbs(s.url())
        .putHeader("content-type", "application/cloudevents+json")
        .putHeader(SIGNATURE_HEADER, "t=" + t + ",v1=" + sign(s.secret(), t + "." + body))
        .timeout(10_000)
        .sendBuffer(Buffer.buffer(body))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result().statusCode() / 100 == 2) {
                Rx.first(deliveries.deleteOne(Filters.eq("_id", d.get("_id"))));
              } else {
                retryLater(d, ar.succeeded() ? "HTTP " + ar.result().statusCode() : ar.cause());
              }
            });
  }

  private void retryLater(Document d, Object why) {
    int attempts = d.getInteger("attempts", 0) + 1;
    boolean failed = attempts >= MAX_ATTEMPTS;
    long backoff = Math.min(MAX_BACKOFF.toMillis(), 1_000L << Math.min(attempts - 1, 30));
    Rx.first(
        deliveries.updateOne(
            Filters.eq("_id", d.get("_id")),
            Updates.combine(
                Updates.set("attempts", attempts),
                Updates.set("failed", failed),
                Updates.set("lastError", String.valueOf(why)),
                Updates.set("nextAt", Date.from(clock.instant().plusMillis(backoff))))));
    if (failed) {
      log.warn("webhook delivery {} failed {} times, last: {}", d.get("_id"), attempts, why);
    }
  }

  /** Hex HMAC-SHA256 of {@code payload} with {@code secret}. */
  static String sign(String secret, String payload) {
    return HexFormat.of()
        .formatHex(
            Hmac.sha256(
                secret.getBytes(StandardCharsets.UTF_8), payload.getBytes(StandardCharsets.UTF_8)));
  }

  private static String newSecret() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return "whsec_" + HexFormat.of().formatHex(bytes);
  }

  @SuppressWarnings("unchecked")
  private static Subscription subscription(Document d) {
    return new Subscription(
        d.getString("_id"),
        d.getString("url"),
        List.copyOf((List<String>) d.get("types", List.class)),
        d.getString("secret"),
        d.getDate("createdAt").toInstant());
  }
}
