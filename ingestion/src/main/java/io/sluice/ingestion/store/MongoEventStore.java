package io.sluice.ingestion.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.sluice.platform.WriteBatcher;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * {@link EventStore} on MongoDB (a real server or the embedded one), collection {@code events}:
 * {@code _id} the store id, the queried attributes as fields ({@code source}, {@code eventId},
 * {@code type}, {@code receivedAt}), and the whole envelope as JSON text ({@code envelope}): data
 * keys may contain {@code .} or start with {@code $}, and the store never queries inside data.
 */
public final class MongoEventStore implements EventStore {
  private final MongoCollection<Document> events;
  private final MongoCollection<Document> checkpoints;
  private final String node;

  /** Event inserts: on the path of every 202, so they do not wait behind routing records. */
  private final WriteBatcher inserts;

  /** Routing records, written after an event was routed: batched on their own. */
  private final WriteBatcher records;

  /**
   * @param node this node's id: stored with each event it inserts ({@code node}), and the key of
   *     its router checkpoint (collection {@code router_checkpoints})
   */
  public MongoEventStore(MongoDatabase db, String node) {
    this.node = node;
    this.events = db.getCollection("events");
    this.checkpoints = db.getCollection("router_checkpoints");
    this.inserts = new WriteBatcher(events);
    this.records = new WriteBatcher(events);
  }

  /**
   * The unique identity index, and the listing indexes (used by a real MongoDB; the embedded store
   * implements only unique indexes and scans). Idempotent.
   */
  public Future<Void> ensureIndexes() {
    return Rx.first(
            events.createIndexes(
                List.of(
                    new IndexModel(
                        Indexes.ascending("source", "eventId"),
                        new IndexOptions().unique(true).name("identity")),
                    new IndexModel(
                        Indexes.ascending("type", "_id"), new IndexOptions().name("type_id")),
                    new IndexModel(
                        Indexes.ascending("receivedAt"), new IndexOptions().name("received")))))
        .mapEmpty();
  }

  @Override
  public Future<Insertion> insert(StoredEvent event) {
    return inserts
        .insert(document(event))
        .compose(
            outcome ->
                outcome == WriteBatcher.Outcome.INSERTED
                    ? Future.succeededFuture(new Insertion(event, false))
                    : original(event).map(o -> new Insertion(o, true)));
  }

  @Override
  public Future<List<Insertion>> insertAll(List<StoredEvent> batch) {
    if (batch.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Document> docs = batch.stream().map(this::document).toList();
    return Rx.first(events.insertMany(docs, new InsertManyOptions().ordered(false)))
        .map(r -> batch.stream().map(e -> new Insertion(e, false)).toList())
        .recover(
            e -> {
              if (!(e instanceof MongoBulkWriteException bulk)) {
                return failed(e);
              }
              boolean[] duplicate = new boolean[batch.size()];
              for (BulkWriteError error : bulk.getWriteErrors()) {
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                  return failed(e);
                }
                duplicate[error.getIndex()] = true;
              }
              List<Future<Insertion>> answers = new ArrayList<>(batch.size());
              for (int i = 0; i < batch.size(); i++) {
                StoredEvent event = batch.get(i);
                answers.add(
                    duplicate[i]
                        ? original(event).map(o -> new Insertion(o, true))
                        : Future.succeededFuture(new Insertion(event, false)));
              }
              return Future.all(answers).map(all -> all.<Insertion>list());
            });
  }

  @Override
  public Future<StoredEvent> get(String id) {
    return Rx.first(events.find(Filters.eq("_id", id)).first())
        .map(d -> d == null ? null : stored(d));
  }

  @Override
  public Future<Page> list(EventQuery q) {
    List<Bson> filters = new ArrayList<>();
    if (q.type() != null) {
      filters.add(Filters.eq("type", q.type()));
    }
    if (q.source() != null) {
      filters.add(Filters.eq("source", q.source()));
    }
    if (q.eventId() != null) {
      filters.add(Filters.eq("eventId", q.eventId()));
    }
    if (q.since() != null) {
      filters.add(Filters.gte("receivedAt", Date.from(q.since())));
    }
    if (q.before() != null) {
      filters.add(Filters.lt("_id", q.before()));
    }
    Bson filter = filters.isEmpty() ? new Document() : Filters.and(filters);
    return Rx.all(events.find(filter).sort(Sorts.descending("_id")).limit(q.limit() + 1))
        .map(
            docs -> {
              List<StoredEvent> items = new ArrayList<>();
              for (int i = 0; i < Math.min(docs.size(), q.limit()); i++) {
                items.add(stored(docs.get(i)));
              }
              String next = docs.size() > q.limit() ? items.get(items.size() - 1).id() : null;
              return new Page(items, next);
            });
  }

  private Future<StoredEvent> original(StoredEvent event) {
    // flat, with exactly the keys of the identity index: the embedded store scans for {$and: ...}
    Bson identity =
        new Document("source", event.event().source()).append("eventId", event.event().id());
    return Rx.first(events.find(identity).first())
        .compose(
            d ->
                d == null
                    ? Future.failedFuture(
                        new IllegalStateException(
                            "duplicate key for event "
                                + event.event().id()
                                + " but no stored event has its identity"))
                    : Future.succeededFuture(stored(d)));
  }

  private static <T> Future<T> failed(Throwable e) {
    return Future.failedFuture(e);
  }

  Document document(StoredEvent stored) {
    CloudEvent e = stored.event();
    Document doc = new Document("_id", stored.id());
    doc.put("node", node);
    doc.put("source", e.source());
    doc.put("eventId", e.id());
    doc.put("type", e.type());
    if (e.subject() != null) {
      doc.put("subject", e.subject());
    }
    if (e.time() != null) {
      doc.put("time", Date.from(e.time()));
    }
    doc.put("receivedAt", Date.from(stored.receivedAt()));
    if (stored.schemaVersion() != null) {
      doc.put("schemaVersion", stored.schemaVersion());
    }
    doc.put("envelope", Json.write(e.toMap()));
    return doc;
  }

  @Override
  public Future<Void> recordRouting(String id, java.util.Map<String, Object> routing) {
    return records
        .write(
            new UpdateOneModel<>(
                Filters.eq("_id", id),
                new Document("$set", new Document("routing", Json.write(routing)))))
        .mapEmpty();
  }

  @Override
  public Future<List<StoredEvent>> unroutedSince(
      String node, Instant since, String afterId, int limit) {
    List<Bson> filters = new ArrayList<>();
    filters.add(Filters.eq("node", node));
    filters.add(Filters.gte("receivedAt", Date.from(since)));
    filters.add(Filters.exists("routing", false));
    if (afterId != null) {
      filters.add(Filters.gt("_id", afterId));
    }
    return Rx.all(events.find(Filters.and(filters)).sort(Sorts.ascending("_id")).limit(limit))
        .map(docs -> docs.stream().map(MongoEventStore::stored).toList());
  }

  @Override
  public Future<RouterCheckpoint> routerCheckpoint(String node) {
    return Rx.first(checkpoints.find(Filters.eq("_id", node)).first())
        .map(d -> d == null ? null : checkpoint(d));
  }

  @Override
  public Future<Void> routerCheckpoint(RouterCheckpoint c) {
    return Rx.first(
            checkpoints.replaceOne(
                Filters.eq("_id", c.node()),
                new Document("_id", c.node())
                    .append("routedBefore", Date.from(c.routedBefore()))
                    .append("seenAt", Date.from(c.seenAt())),
                new ReplaceOptions().upsert(true)))
        .mapEmpty();
  }

  @Override
  public Future<List<RouterCheckpoint>> staleRouterCheckpoints(String self, Instant seenBefore) {
    return Rx.all(
            checkpoints.find(
                Filters.and(Filters.ne("_id", self), Filters.lt("seenAt", Date.from(seenBefore)))))
        .map(docs -> docs.stream().map(MongoEventStore::checkpoint).toList());
  }

  @Override
  public Future<Boolean> claimRouterCheckpoint(RouterCheckpoint stale, Instant now) {
    return Rx.first(
            checkpoints.updateOne(
                Filters.and(
                    Filters.eq("_id", stale.node()),
                    Filters.eq("seenAt", Date.from(stale.seenAt()))),
                new Document("$set", new Document("seenAt", Date.from(now)))))
        .map(r -> r.getModifiedCount() > 0);
  }

  private static RouterCheckpoint checkpoint(Document d) {
    Date seen = d.getDate("seenAt");
    Date routed = d.getDate("routedBefore");
    return new RouterCheckpoint(
        d.getString("_id"), routed.toInstant(), (seen == null ? routed : seen).toInstant());
  }

  static StoredEvent stored(Document d) {
    String routing = d.getString("routing");
    return new StoredEvent(
        d.getString("_id"),
        d.getDate("receivedAt").toInstant(),
        d.getInteger("schemaVersion"),
        CloudEvent.fromMap(Json.parseObject(d.getString("envelope"))),
        routing == null ? null : Json.parseObject(routing));
  }
}
