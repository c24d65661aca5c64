package io.sluice.orchestrator.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;

/**
 * {@link Subscriptions} as bucket documents: {@code _id = <type>#<bucket>} holds the waiters of one
 * type whose instance id hashes to that bucket. Looking up a type reads its buckets by {@code _id}
 * — the one kind of index every store (including the embedded one, which has no secondary indexes)
 * serves without a scan — and a change rewrites one bucket, a 64th of the type's waiters.
 */
public final class MongoSubscriptions implements Subscriptions {
  static final int BUCKETS = 64;
  private final MongoCollection<Document> buckets;

  /**
   * Event types that have (or had) a waiter, so the events of every other type — most lifecycle
   * events — are answered without a store read. Loaded at start, grown on every registration.
   */
  private final java.util.Set<String> knownTypes =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public MongoSubscriptions(MongoDatabase db) {
    this.buckets = db.getCollection("subscriptions");
  }

  /** Reads which types have registrations (one small scan of the bucket collection). */
  public Future<Void> loadTypes() {
    return Rx.all(buckets.find().projection(new Document("type", 1)))
        .map(
            docs -> {
              docs.forEach(d -> knownTypes.add(d.getString("type")));
              return (Void) null;
            });
  }

  @Override
  public Future<Void> add(String type, Waiter waiter) {
    knownTypes.add(type);
    return Rx.first(
            buckets.updateOne(
                Filters.eq("_id", bucketId(type, waiter.instanceId())),
                Updates.combine(
                    Updates.set("type", type), Updates.addToSet("members", member(waiter))),
                new UpdateOptions().upsert(true)))
        .mapEmpty();
  }

  @Override
  public Future<Void> remove(String type, Waiter waiter) {
    return Rx.first(
            buckets.updateOne(
                Filters.eq("_id", bucketId(type, waiter.instanceId())),
                Updates.pull("members", member(waiter))))
        .mapEmpty();
  }

  @Override
  public Future<List<Waiter>> waiting(String type) {
    if (!knownTypes.contains(type)) {
      return Future.succeededFuture(List.of());
    }
    List<String> ids = new ArrayList<>(BUCKETS);
    for (int i = 0; i < BUCKETS; i++) {
      ids.add(type + "#" + i);
    }
    return Rx.all(buckets.find(Filters.in("_id", ids)))
        .map(
            docs -> {
              List<Waiter> out = new ArrayList<>();
              for (Document d : docs) {
                for (String m : d.getList("members", String.class, List.of())) {
                  int slash = m.indexOf('/');
                  out.add(new Waiter(m.substring(0, slash), m.substring(slash + 1)));
                }
              }
              return out;
            });
  }

  static String bucketId(String type, String instanceId) {
    return type + "#" + Math.floorMod(instanceId.hashCode(), BUCKETS);
  }

  private static String member(Waiter w) {
    return w.instanceId() + "/" + w.stepId();
  }
}
