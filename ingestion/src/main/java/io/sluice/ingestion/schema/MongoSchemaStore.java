package io.sluice.ingestion.schema;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexModel;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;

/**
 * Schema versions in the {@code event_schemas} collection: {@code _id = type@version}, a unique
 * {@code (type, version)} index (two nodes registering at once cannot both take a version number),
 * the document as JSON text. Futures complete on the caller's Vert.x context.
 */
public final class MongoSchemaStore {
  private final MongoCollection<Document> schemas;

  public MongoSchemaStore(MongoDatabase db) {
    this.schemas = db.getCollection("event_schemas");
  }

  public Future<Void> ensureIndexes() {
    return Rx.first(
            schemas.createIndexes(
                List.of(
                    new IndexModel(
                        Indexes.ascending("type", "version"),
                        new IndexOptions().unique(true).name("type_version")))))
        .mapEmpty();
  }

  /** Inserts a new version; false when that version number is already taken. */
  public Future<Boolean> insert(SchemaVersion v) {
    Document doc = new Document("_id", v.type() + "@" + v.version());
    doc.put("type", v.type());
    doc.put("version", v.version());
    doc.put("schema", Json.write(v.schema()));
    doc.put("hash", v.hash());
    doc.put("schemaId", v.schemaId());
    doc.put("createdAt", Date.from(v.createdAt()));
    return Rx.first(schemas.insertOne(doc))
        .map(r -> true)
        .recover(
            e ->
                e instanceof MongoWriteException w
                        && w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY
                    ? Future.succeededFuture(false)
                    : Future.failedFuture(e));
  }

  /** The latest version of {@code type}, or null. */
  public Future<SchemaVersion> latest(String type) {
    return Rx.first(
            schemas.find(Filters.eq("type", type)).sort(Sorts.descending("version")).first())
        .map(d -> d == null ? null : version(d, true));
  }

  /** That version, or null. */
  public Future<SchemaVersion> get(String type, int version) {
    return Rx.first(schemas.find(Filters.eq("_id", type + "@" + version)).first())
        .map(d -> d == null ? null : version(d, true));
  }

  /** Every version of {@code type}, newest first, without the documents. */
  public Future<List<SchemaVersion>> versions(String type) {
    return Rx.all(
            schemas
                .find(Filters.eq("type", type))
                .projection(Projections.exclude("schema"))
                .sort(Sorts.descending("version")))
        .map(docs -> docs.stream().map(d -> version(d, false)).toList());
  }

  /** The latest version of every type, by type, without the documents. */
  public Future<List<SchemaVersion>> latestOfEach() {
    return Rx.all(
            schemas
                .find()
                .projection(Projections.exclude("schema"))
                .sort(Sorts.orderBy(Sorts.ascending("type"), Sorts.descending("version"))))
        .map(
            docs -> {
              List<SchemaVersion> out = new ArrayList<>();
              for (Document d : docs) {
                SchemaVersion v = version(d, false);
                if (out.isEmpty() || !out.get(out.size() - 1).type().equals(v.type())) {
                  out.add(v);
                }
              }
              return out;
            });
  }

  private static SchemaVersion version(Document d, boolean withSchema) {
    return new SchemaVersion(
        d.getString("type"),
        d.getInteger("version"),
        withSchema ? Json.parse(d.getString("schema")) : null,
        d.getString("hash"),
        d.getString("schemaId"),
        d.getDate("createdAt").toInstant());
  }
}
