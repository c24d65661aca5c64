package io.sluice.orchestrator.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.event.CloudEvent;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.platform.Rx;
import io.sluice.platform.WriteBatcher;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.bson.conversions.Bson;

/** {@link InstanceStore} on MongoDB (a real server, or the embedded wire-compatible one). */
public final class MongoInstanceStore implements InstanceStore {
  private final MongoCollection<Document> instances;

  private final WriteBatcher inserts;

  public MongoInstanceStore(MongoDatabase db) {
    this.instances = db.getCollection("instances");
    this.inserts = new WriteBatcher(instances);
  }

  /** Creates the indexes this store's queries need; idempotent. */
  public Future<Void> ensureIndexes() {
    List<IndexModel> indexes =
        List.of(
            new IndexModel(
                Indexes.ascending("workflowId", "key"),
                new IndexOptions().unique(true).name("workflow_key")),
            new IndexModel(
                Indexes.ascending("_id", "rev"), new IndexOptions().unique(true).name("id_rev")),
            new IndexModel(Indexes.ascending("status"), new IndexOptions().name("status")),
            new IndexModel(Indexes.ascending("updatedAt"), new IndexOptions().name("updated")));
    return Rx.first(instances.createIndexes(indexes)).mapEmpty();
  }

  @Override
  public Future<InstanceState> create(
      InstanceState state, List<CloudEvent> events, List<CloudEvent> emitted) {
    Document doc = new Document("_id", state.id());
    doc.putAll(InstanceDocuments.stateFields(state));
    doc.put("rev", 1L);
    doc.put("history", InstanceDocuments.eventTexts(events));
    doc.put("emitted", InstanceDocuments.eventTexts(emitted));
    return inserts
        .insert(doc)
        .compose(
            outcome -> {
              if (outcome == WriteBatcher.Outcome.INSERTED) {
                return Future.succeededFuture(state.withRev(1L));
              }
              return idByKey(state.workflowId(), state.key())
                  .compose(
                      existing ->
                          Future.failedFuture(
                              new KeyConflictException(state.workflowId(), state.key(), existing)));
            });
  }

  @Override
  public Future<InstanceState> save(
      InstanceState state, List<CloudEvent> events, List<CloudEvent> emitted) {
    Document set = InstanceDocuments.stateFields(state);
    long next = state.rev() + 1;
    set.put("rev", next);
    Document update = new Document("$set", set);
    Document push = new Document();
    if (!events.isEmpty()) {
      push.put("history", new Document("$each", InstanceDocuments.eventTexts(events)));
    }
    if (!emitted.isEmpty()) {
      push.put("emitted", new Document("$each", InstanceDocuments.eventTexts(emitted)));
    }
    if (!push.isEmpty()) {
      update.put("$push", push);
    }
    // A flat filter whose keys are exactly those of the id_rev index: the embedded store uses an
    // index only for such a filter ({$and: ...} scans the whole collection on every save).
    Bson filter = new Document("_id", state.id()).append("rev", state.rev());
    return Rx.first(instances.updateOne(filter, update))
        .map(r -> r.getMatchedCount() == 1 ? state.withRev(next) : null);
  }

  @Override
  public Future<InstanceState> get(String id) {
    return Rx.first(
            instances
                .find(Filters.eq("_id", id))
                .projection(Projections.exclude("history", "emitted"))
                .first())
        .map(d -> d == null ? null : InstanceDocuments.state(d));
  }

  @Override
  public Future<String> idByKey(String workflowId, String key) {
    return Rx.first(
            instances
                .find(new Document("workflowId", workflowId).append("key", key))
                .projection(Projections.include("_id"))
                .first())
        .map(d -> d == null ? null : d.getString("_id"));
  }

  @Override
  public Future<List<CloudEvent>> history(String id) {
    return Rx.first(
            instances
                .find(Filters.eq("_id", id))
                .projection(Projections.include("history"))
                .first())
        .map(
            d ->
                d == null
                    ? null
                    : InstanceDocuments.events(d.getList("history", String.class, List.of())));
  }

  @Override
  public Future<Page<InstanceState>> list(
      String workflowId, InstanceStatus status, int limit, String cursor) {
    List<Bson> filters = new ArrayList<>();
    if (workflowId != null) {
      filters.add(Filters.eq("workflowId", workflowId));
    }
    if (status != null) {
      filters.add(Filters.eq("status", status.name()));
    }
    if (cursor != null) {
      filters.add(Filters.lt("_id", cursor));
    }
    Bson filter = filters.isEmpty() ? new Document() : Filters.and(filters);
    return Rx.all(
            instances
                .find(filter)
                .projection(Projections.exclude("history", "emitted"))
                .sort(Sorts.descending("_id"))
                .limit(limit + 1))
        .map(
            docs -> {
              List<InstanceState> items = new ArrayList<>();
              for (int i = 0; i < Math.min(limit, docs.size()); i++) {
                items.add(InstanceDocuments.state(docs.get(i)));
              }
              String next = docs.size() > limit ? items.get(items.size() - 1).id() : null;
              return new Page<>(items, next);
            });
  }

  @Override
  public Future<List<InstanceState>> running(String afterId, int limit) {
    Bson filter = Filters.eq("status", InstanceStatus.RUNNING.name());
    if (afterId != null) {
      filter = Filters.and(filter, Filters.gt("_id", afterId));
    }
    return Rx.all(
            instances
                .find(filter)
                .projection(Projections.exclude("history", "emitted"))
                .sort(Sorts.ascending("_id"))
                .limit(limit))
        .map(docs -> docs.stream().map(InstanceDocuments::state).toList());
  }

  @Override
  public Future<List<Outbox>> savedSince(Instant since, String afterId, int limit) {
    Bson filter = Filters.gte("updatedAt", InstanceDocuments.date(since));
    if (afterId != null) {
      filter = Filters.and(filter, Filters.gt("_id", afterId));
    }
    return Rx.all(
            instances
                .find(filter)
                .projection(Projections.include("updatedAt", "history", "emitted"))
                .sort(Sorts.ascending("_id"))
                .limit(limit))
        .map(
            docs ->
                docs.stream()
                    .map(
                        d ->
                            new Outbox(
                                d.getString("_id"),
                                InstanceDocuments.instant(d.getDate("updatedAt")),
                                InstanceDocuments.events(
                                    d.getList("history", String.class, List.of())),
                                InstanceDocuments.events(
                                    d.getList("emitted", String.class, List.of()))))
                    .toList());
  }
}
