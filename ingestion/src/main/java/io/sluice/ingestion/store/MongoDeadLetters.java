package io.sluice.ingestion.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.problem.Problem;
import io.sluice.platform.Rx;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * {@link DeadLetters} in the {@code dead_letters} collection. Retention is enforced by {@link
 * #removeBefore} (called periodically by the ingestion module), not by a TTL index: the embedded
 * store never expires TTL indexes.
 */
public final class MongoDeadLetters implements DeadLetters {
  private final MongoCollection<Document> letters;

  public MongoDeadLetters(MongoDatabase db) {
    this.letters = db.getCollection("dead_letters");
  }

  public io.vertx.core.Future<Void> ensureIndexes() {
    return Rx.first(
            letters.createIndexes(
                List.of(new IndexModel(Indexes.ascending("at"), new IndexOptions().name("at")))))
        .mapEmpty();
  }

  @Override
  public io.vertx.core.Future<Void> record(DeadLetter l) {
    Document doc = new Document("_id", l.id());
    doc.put("at", Date.from(l.at()));
    doc.put("channel", l.channel());
    doc.put("status", l.status());
    doc.put("reason", l.reason());
    List<Document> errors = new ArrayList<>();
    for (Problem p : l.errors()) {
      errors.add(new Document("pointer", p.pointer()).append("message", p.message()));
    }
    doc.put("errors", errors);
    doc.put("source", l.source());
    doc.put("eventId", l.eventId());
    doc.put("content", l.content());
    return Rx.first(letters.insertOne(doc)).mapEmpty();
  }

  @Override
  public io.vertx.core.Future<Page> list(String before, int limit) {
    Document filter =
        before == null ? new Document() : new Document("_id", new Document("$lt", before));
    return Rx.all(letters.find(filter).sort(Sorts.descending("_id")).limit(limit + 1))
        .map(
            docs -> {
              List<DeadLetter> items = new ArrayList<>();
              for (int i = 0; i < Math.min(limit, docs.size()); i++) {
                items.add(letter(docs.get(i)));
              }
              return new Page(items, docs.size() > limit ? items.get(items.size() - 1).id() : null);
            });
  }

  @Override
  public io.vertx.core.Future<Long> removeBefore(java.time.Instant cutoff) {
    return Rx.first(letters.deleteMany(Filters.lt("at", Date.from(cutoff))))
        .map(r -> r == null ? 0L : r.getDeletedCount());
  }

  private static DeadLetter letter(Document d) {
    List<Problem> errors = new ArrayList<>();
    for (Document e : d.getList("errors", Document.class, List.of())) {
      errors.add(Problem.at(e.getString("pointer"), e.getString("message")));
    }
    return new DeadLetter(
        d.getString("_id"),
        d.getDate("at").toInstant(),
        d.getString("channel"),
        d.getInteger("status", 0),
        d.getString("reason"),
        errors,
        d.getString("source"),
        d.getString("eventId"),
        d.getString("content"));
  }
}
