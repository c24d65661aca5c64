package io.sluice.orchestrator.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Instant;
import org.bson.Document;

/**
 * Per-node outbox checkpoints: "every save this node made before T has been published". After a
 * crash the node publishes again what was saved since its checkpoint (at-least-once), instead of
 * marking every published event with its own write.
 */
public final class RelayCheckpoints {
  private final MongoCollection<Document> checkpoints;

  public RelayCheckpoints(MongoDatabase db) {
    this.checkpoints = db.getCollection("relay_checkpoints");
  }

  /** The checkpoint of the node, or null if it never wrote one. */
  public Future<Instant> get(String node) {
    return Rx.first(checkpoints.find(Filters.eq("_id", node)).first())
        .map(d -> d == null ? null : InstanceDocuments.instant(d.getDate("publishedBefore")));
  }

  public Future<Void> put(String node, Instant publishedBefore) {
    return Rx.first(
            checkpoints.replaceOne(
                Filters.eq("_id", node),
                new Document("_id", node)
                    .append("publishedBefore", InstanceDocuments.date(publishedBefore)),
                new ReplaceOptions().upsert(true)))
        .mapEmpty();
  }
}
