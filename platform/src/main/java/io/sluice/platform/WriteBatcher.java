package io.sluice.platform;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.InsertOneModel;
import com.mongodb.client.model.WriteModel;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Group writes: while one {@code bulkWrite} is in flight, new writes queue, and the next round trip
 * carries all of them (up to {@link #MAX_BATCH}). A lone write goes out at once, so batching adds
 * no latency; under load, one store command per kind of write (and, on the embedded store, one
 * commit each) carries many. Each write's outcome is reported on its own: a duplicate key fails
 * that write only. Used for instance inserts, event inserts and routing records: the writes that
 * happen once per event or instance.
 */
public final class WriteBatcher {
  static final int MAX_BATCH = 64;

  /** The outcome of one write: done, or refused as a duplicate key. */
  public enum Outcome {
    INSERTED,
    DUPLICATE_KEY
  }

  private record Pending(WriteModel<Document> write, Promise<Outcome> promise) {}

  private final MongoCollection<Document> collection;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean inFlight;

  public WriteBatcher(MongoCollection<Document> collection) {
    this.collection = collection;
  }

  /** Inserts the document with the next batch. */
  public Future<Outcome> insert(Document doc) {
    return write(new InsertOneModel<>(doc));
  }

  /** Runs the write (an insert, update, ...) with the next batch. */
  public Future<Outcome> write(WriteModel<Document> write) {
    Promise<Outcome> promise = Promise.promise();
    boolean start;
    synchronized (this) {
      queue.add(new Pending(write, promise));
      start = !inFlight;
      inFlight = true;
    }
    if (start) {
      flush();
    }
    return promise.future();
  }

  private void flush() {
    List<Pending> batch = new ArrayList<>();
    synchronized (this) {
      while (!queue.isEmpty() && batch.size() < MAX_BATCH) {
        batch.add(queue.poll());
      }
      if (batch.isEmpty()) {
        inFlight = false;
        return;
      }
    }
    List<WriteModel<Document>> writes = new ArrayList<>(batch.size());
    batch.forEach(p -> writes.add(p.write()));
    Rx.first(collection.bulkWrite(writes, new BulkWriteOptions().ordered(false)))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                batch.forEach(p -> p.promise().tryComplete(Outcome.INSERTED));
              } else {
                settle(batch, ar.cause());
              }
              flush();
            });
  }

  /** A failed batch: duplicates fail alone, the rest were inserted; any other error fails all. */
  private static void settle(List<Pending> batch, Throwable error) {
    if (!(error instanceof MongoBulkWriteException bulk)) {
      batch.forEach(p -> p.promise().tryFail(error));
      return;
    }
    Map<Integer, BulkWriteError> errors = new HashMap<>();
    bulk.getWriteErrors().forEach(e -> errors.put(e.getIndex(), e));
    for (int i = 0; i < batch.size(); i++) {
      BulkWriteError e = errors.get(i);
      Promise<Outcome> promise = batch.get(i).promise();
      if (e == null) {
        promise.tryComplete(Outcome.INSERTED);
      } else if (ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY) {
        promise.tryComplete(Outcome.DUPLICATE_KEY);
      } else {
        promise.tryFail(bulk);
      }
    }
  }
}
