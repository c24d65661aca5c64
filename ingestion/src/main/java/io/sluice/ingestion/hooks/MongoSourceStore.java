package io.sluice.ingestion.hooks;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * Webhook sources in the {@code webhook_sources} collection, {@code _id} = name. The secret is
 * stored as given (HMAC verification needs it): protect the store like any credential store.
 * Futures complete on the caller's Vert.x context.
 */
public final class MongoSourceStore {
  private final MongoCollection<Document> sources;

  public MongoSourceStore(MongoDatabase db) {
    this.sources = db.getCollection("webhook_sources");
  }

  public Future<WebhookSource> get(String name) {
    return Rx.first(sources.find(Filters.eq("_id", name)).first())
        .map(d -> d == null ? null : source(d));
  }

  public Future<List<WebhookSource>> list() {
    return Rx.all(sources.find().sort(Sorts.ascending("_id")))
        .map(docs -> docs.stream().map(MongoSourceStore::source).toList());
  }

  /** Creates or replaces the source (one atomic document write). */
  public Future<Void> save(WebhookSource s) {
    Document doc = new Document("_id", s.name());
    doc.put("scheme", s.scheme().id());
    doc.put("secret", s.secret());
    doc.put("header", s.header());
    doc.put("timestampHeader", s.timestampHeader());
    doc.put("type", s.type());
    doc.put("id", s.id());
    doc.put("tolerance", s.tolerance() == null ? null : s.tolerance().toString());
    doc.put("createdAt", Date.from(s.createdAt()));
    doc.put("updatedAt", Date.from(s.updatedAt()));
    return Rx.first(
            sources.replaceOne(Filters.eq("_id", s.name()), doc, new ReplaceOptions().upsert(true)))
        .mapEmpty();
  }

  public Future<Boolean> delete(String name) {
    return Rx.first(sources.deleteOne(Filters.eq("_id", name)))
        .map(r -> r != null && r.getDeletedCount() > 0);
  }

  private static WebhookSource source(Document d) {
    String tolerance = d.getString("tolerance");
    return new WebhookSource(
        d.getString("_id"),
        Scheme.of(d.getString("scheme")).orElseThrow(),
        d.getString("secret"),
        d.getString("header"),
        d.getString("timestampHeader"),
        d.getString("type"),
        d.getString("id"),
        tolerance == null ? null : Duration.parse(tolerance),
        d.getDate("createdAt").toInstant(),
        d.getDate("updatedAt").toInstant());
  }
}
