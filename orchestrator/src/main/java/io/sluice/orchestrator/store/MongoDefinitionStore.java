package io.sluice.orchestrator.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * {@link DefinitionStore} on MongoDB: collections {@code workflows} (heads) and {@code
 * workflow_versions}.
 */
public final class MongoDefinitionStore implements DefinitionStore {
  private final MongoCollection<Document> heads;
  private final MongoCollection<Document> versions;

  public MongoDefinitionStore(MongoDatabase db) {
    this.heads = db.getCollection("workflows");
    this.versions = db.getCollection("workflow_versions");
  }

  public Future<Void> ensureIndexes() {
    return Rx.first(
            versions.createIndexes(
                List.of(
                    new IndexModel(
                        Indexes.ascending("id", "version"),
                        new IndexOptions().unique(true).name("id_version")))))
        .mapEmpty();
  }

  @Override
  public Future<Void> insert(Version v) {
    Document doc =
        new Document("_id", v.id() + "@" + v.version())
            .append("id", v.id())
            .append("version", v.version())
            .append("source", Json.write(v.source()))
            .append("hash", v.hash())
            .append("createdAt", InstanceDocuments.date(v.createdAt()));
    return Rx.first(versions.insertOne(doc))
        .<Void>mapEmpty()
        .recover(
            e -> {
              if (e instanceof MongoWriteException w
                  && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                return Future.failedFuture(new VersionTakenException(v.id(), v.version()));
              }
              return Future.failedFuture(e);
            });
  }

  @Override
  public Future<Void> advanceHead(String id, String name, int version, Instant at) {
    return Rx.first(
            heads.updateOne(
                Filters.eq("_id", id),
                Updates.combine(
                    Updates.max("latest", version),
                    Updates.set("name", name),
                    Updates.set("deleted", false),
                    Updates.set("updatedAt", InstanceDocuments.date(at))),
                new UpdateOptions().upsert(true)))
        .mapEmpty();
  }

  @Override
  public Future<Boolean> delete(String id, Instant at) {
    return Rx.first(
            heads.updateOne(
                Filters.and(Filters.eq("_id", id), Filters.eq("deleted", false)),
                Updates.combine(
                    Updates.set("deleted", true),
                    Updates.set("updatedAt", InstanceDocuments.date(at)))))
        .map(r -> r.getMatchedCount() == 1);
  }

  @Override
  public Future<Head> head(String id) {
    return Rx.first(heads.find(Filters.eq("_id", id)).first()).map(MongoDefinitionStore::head);
  }

  @Override
  public Future<Version> version(String id, int version) {
    return Rx.first(versions.find(Filters.eq("_id", id + "@" + version)).first())
        .map(d -> version(d, true));
  }

  @Override
  public Future<Version> latest(String id) {
    return Rx.first(versions.find(Filters.eq("id", id)).sort(Sorts.descending("version")).first())
        .map(d -> version(d, true));
  }

  @Override
  public Future<List<Head>> heads() {
    return Rx.all(heads.find(Filters.eq("deleted", false)).sort(Sorts.ascending("_id")))
        .map(docs -> docs.stream().map(MongoDefinitionStore::head).toList());
  }

  @Override
  public Future<List<Version>> versions(String id) {
    return Rx.all(
            versions
                .find(Filters.eq("id", id))
                .projection(Projections.exclude("source"))
                .sort(Sorts.descending("version")))
        .map(docs -> docs.stream().map(d -> version(d, false)).toList());
  }

  private static Head head(Document d) {
    if (d == null) {
      return null;
    }
    return new Head(
        d.getString("_id"),
        d.getString("name"),
        d.getInteger("latest", 0),
        d.getBoolean("deleted", false),
        InstanceDocuments.instant(d.getDate("updatedAt")));
  }

  @SuppressWarnings("unchecked")
  private static Version version(Document d, boolean withSource) {
    if (d == null) {
      return null;
    }
    return new Version(
        d.getString("id"),
        d.getInteger("version", 0),
        withSource ? (Map<String, Object>) Json.parse(d.getString("source")) : null,
        d.getString("hash"),
        InstanceDocuments.instant(d.getDate("createdAt")));
  }
}
