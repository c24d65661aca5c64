package io.sluice.orchestrator.store;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.json.Json;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;

/**
 * {@link TaskQueue} as one document per task in {@code tasks} ({@code _id} = the task id). The
 * collection holds only tasks not yet done, so taking one scans a small collection on the embedded
 * store (which has no secondary indexes) and uses the {@code (queue, leaseUntil)} index on MongoDB.
 */
public final class MongoTaskQueue implements TaskQueue {
  private final MongoCollection<Document> tasks;

  public MongoTaskQueue(MongoDatabase db) {
    this.tasks = db.getCollection("tasks");
  }

  public Future<Void> ensureIndexes() {
    return Rx.first(tasks.createIndex(new Document("queue", 1).append("leaseUntil", 1))).mapEmpty();
  }

  @Override
  public Future<Void> offer(Task t) {
    Document fields =
        new Document("queue", t.queue())
            .append("instanceId", t.instanceId())
            .append("workflowId", t.workflowId())
            .append("stepId", t.stepId())
            .append("attempt", t.attempt())
            .append("input", Json.write(t.input()))
            .append("createdAt", Date.from(t.createdAt()))
            .append("leaseUntil", new Date(0));
    return Rx.first(
            tasks.updateOne(
                Filters.eq("_id", t.id()),
                new Document("$setOnInsert", fields),
                new UpdateOptions().upsert(true)))
        .mapEmpty();
  }

  @Override
  public Future<Void> remove(String id) {
    return Rx.first(tasks.deleteOne(Filters.eq("_id", id))).mapEmpty();
  }

  @Override
  public Future<Task> take(String queue, String worker, Duration lease, Instant now) {
    return Rx.first(
            tasks.findOneAndUpdate(
                Filters.and(Filters.eq("queue", queue), Filters.lte("leaseUntil", Date.from(now))),
                Updates.combine(
                    Updates.set("leaseUntil", Date.from(now.plus(lease))),
                    Updates.set("worker", worker)),
                new FindOneAndUpdateOptions()
                    .sort(Sorts.ascending("createdAt"))
                    .returnDocument(ReturnDocument.AFTER)))
        .map(d -> d == null ? null : task(d));
  }

  private static Task task(Document d) {
    return new Task(
        d.getString("_id"),
        d.getString("queue"),
        d.getString("instanceId"),
        d.getString("workflowId"),
        d.getString("stepId"),
        d.getInteger("attempt"),
        Json.parse(d.getString("input")),
        d.getDate("createdAt").toInstant(),
        d.getDate("leaseUntil").toInstant(),
        d.getString("worker"));
  }
}
