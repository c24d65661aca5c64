package io.sluice.server.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.InsertManyResult;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.LoggerFactory;

/**
 * Measures the embedded store with the reactive driver, with and without the per-write commit. Not
 * a test: run {@code main(ops, inFlight)}; see docs/benchmarks.md for the command. Each of {@code
 * inFlight} lanes issues its next operation when the previous one completes.
 */
public final class StoreThroughputCheck {

  private static final String PAYLOAD = "x".repeat(400);
  private static final int BATCH = 32;
  private static final int BACKGROUND = 20_000;

  /**
   * Rows to run (empty = all): insertOne, insertMany, findOneAndUpdate, bulkWrite, find, noIndex.
   */
  private static List<String> only = List.of();

  private StoreThroughputCheck() {}

  private static boolean selected(String row) {
    return only.isEmpty() || only.contains(row);
  }

  /** One operation of one lane; {@code seq} counts that lane's operations from 0. */
  private interface Op {
    Publisher<?> issue(MongoCollection<Document> c, int lane, int seq);
  }

  public static void main(String[] args) throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int lanes = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    only = args.length > 2 ? List.of(args[2].split(",")) : List.of();
    System.out.printf(
        "%d ops per row (insertMany/bulkWrite: %d per call), %d in flight, %d cores%n",
        ops, BATCH, lanes, Runtime.getRuntime().availableProcessors());
    suite("warm-up", true, Math.max(ops / 10, lanes * 4), lanes, false);
    suite("per-write commit", true, ops, lanes, true);
    suite("stock (background commit ~1 s)", false, ops, lanes, true);
  }

  private static void suite(String title, boolean commit, int ops, int lanes, boolean print)
      throws Exception {
    Path dir = Files.createTempDirectory("sluice-store-check");
    try (EmbeddedMongo store = EmbeddedMongo.start(dir, commit);
        MongoClient client = MongoClients.create(store.connectionString())) {
      var db = client.getDatabase("sluice");
      if (print) {
        System.out.printf("%n%s%n", title);
      }
      if (selected("insertOne")) {
        row(
            print,
            "insertOne",
            ops,
            lanes,
            1,
            StoreThroughputCheck::insertOne,
            r -> true,
            db.getCollection("one"));
      }
      if (selected("insertMany")) {
        row(
            print,
            "insertMany x32",
            ops,
            lanes,
            BATCH,
            StoreThroughputCheck::insertMany,
            r -> ((InsertManyResult) r).getInsertedIds().size() == BATCH,
            db.getCollection("many"));
      }
      MongoCollection<Document> c = db.getCollection("instances");
      seed(c, lanes, true);
      if (selected("findOneAndUpdate")) {
        row(
            print,
            "findOneAndUpdate {_id,rev}",
            ops,
            lanes,
            1,
            StoreThroughputCheck::casUpdate,
            r -> r != null,
            c);
      }
      if (selected("bulkWrite")) {
        row(
            print,
            "bulkWrite x32 updateOne",
            ops,
            lanes,
            BATCH,
            StoreThroughputCheck::bulkCas,
            r -> ((com.mongodb.bulk.BulkWriteResult) r).getModifiedCount() == BATCH,
            c);
      }
      if (selected("find")) {
        row(print, "find by _id", ops, lanes, 1, StoreThroughputCheck::findById, r -> r != null, c);
      }
      if (selected("noIndex")) {
        MongoCollection<Document> plain = db.getCollection("plain");
        seed(plain, lanes, false);
        row(
            print,
            "same, no {_id,rev} index",
            ops / 20,
            lanes,
            1,
            StoreThroughputCheck::casUpdate,
            r -> r != null,
            plain);
      }
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static Publisher<?> insertOne(MongoCollection<Document> c, int lane, int seq) {
    return c.insertOne(doc("i-" + lane + "-" + seq));
  }

  private static Publisher<?> insertMany(MongoCollection<Document> c, int lane, int seq) {
    List<Document> batch = new ArrayList<>(BATCH);
    for (int k = 0; k < BATCH; k++) {
      batch.add(doc("m-" + lane + "-" + seq + "-" + k));
    }
    return c.insertMany(batch);
  }

  /**
   * {@value #BACKGROUND} other documents, then lane {@code l}'s documents {@code c-l} and {@code
   * b-l-0..31} at rev 0. mongo-java-server uses an index only when the filter's keys are exactly
   * the index's keys: a {@code {_id, rev}} filter scans the collection unless there is an index on
   * {@code {_id, rev}}.
   */
  private static void seed(MongoCollection<Document> c, int lanes, boolean revIndex)
      throws Exception {
    if (revIndex) {
      await(
          c.createIndex(new Document("_id", 1).append("rev", 1), new IndexOptions().unique(true)));
    }
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < BACKGROUND; i++) {
      docs.add(doc("other-" + i).append("rev", 0));
    }
    for (int l = 0; l < lanes; l++) {
      docs.add(doc("c-" + l).append("rev", 0));
      for (int k = 0; k < BATCH; k++) {
        docs.add(doc("b-" + l + "-" + k).append("rev", 0));
      }
    }
    await(c.insertMany(docs));
  }

  /** A flat {@code {_id, rev}} filter: {@code Filters.and} renders {@code $and}, never indexed. */
  private static Document casFilter(String id, int rev) {
    return new Document("_id", id).append("rev", rev);
  }

  private static Publisher<?> casUpdate(MongoCollection<Document> c, int lane, int seq) {
    Bson filter = casFilter("c-" + lane, seq);
    return c.findOneAndUpdate(
        filter, Updates.combine(Updates.set("rev", seq + 1), Updates.set("state", "s" + seq)));
  }

  private static Publisher<?> bulkCas(MongoCollection<Document> c, int lane, int seq) {
    List<UpdateOneModel<Document>> models = new ArrayList<>(BATCH);
    for (int k = 0; k < BATCH; k++) {
      Bson filter = casFilter("b-" + lane + "-" + k, seq);
      models.add(new UpdateOneModel<>(filter, Updates.set("rev", seq + 1)));
    }
    return c.bulkWrite(models);
  }

  private static Publisher<?> findById(MongoCollection<Document> c, int lane, int seq) {
    return c.find(Filters.eq("_id", "c-" + lane)).first();
  }

  private static Document doc(String id) {
    return new Document("_id", id).append("type", "order.created").append("payload", PAYLOAD);
  }

  private static void row(
      boolean print,
      String name,
      int ops,
      int lanes,
      int docsPerOp,
      Op op,
      Predicate<Object> ok,
      MongoCollection<Document> c)
      throws InterruptedException {
    int calls = Math.max(lanes, ops / docsPerOp);
    int perLane = calls / lanes;
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(lanes);
    long start = System.nanoTime();
    for (int l = 0; l < lanes; l++) {
      runLane(c, op, ok, l, 0, perLane, failed, error, done);
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    if (error.get() != null) {
      throw new IllegalStateException(name + " failed", error.get());
    }
    if (print) {
      int total = perLane * lanes;
      System.out.printf(
          "  %-28s %7d calls %8.2f s %9.0f calls/s %9.0f docs/s  failed checks: %d%n",
          name, total, seconds, total / seconds, total * docsPerOp / seconds, failed.get());
    }
  }

  private static void runLane(
      MongoCollection<Document> c,
      Op op,
      Predicate<Object> ok,
      int lane,
      int seq,
      int perLane,
      AtomicInteger failed,
      AtomicReference<Throwable> error,
      CountDownLatch done) {
    if (seq == perLane || error.get() != null) {
      done.countDown();
      return;
    }
    subscribe(
        op.issue(c, lane, seq),
        result -> {
          if (!ok.test(result)) {
            failed.incrementAndGet();
          }
          runLane(c, op, ok, lane, seq + 1, perLane, failed, error, done);
        },
        t -> {
          error.compareAndSet(null, t);
          done.countDown();
        });
  }

  private static void await(Publisher<?> p) throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(1);
    AtomicReference<Throwable> error = new AtomicReference<>();
    subscribe(
        p,
        r -> latch.countDown(),
        t -> {
          error.set(t);
          latch.countDown();
        });
    latch.await();
    if (error.get() != null) {
      throw new IllegalStateException(error.get());
    }
  }

  /** Requests everything; calls {@code onDone} with the last item (or null) on completion. */
  private static <T> void subscribe(
      Publisher<T> p,
      java.util.function.Consumer<Object> onDone,
      java.util.function.Consumer<Throwable> onError) {
    p.subscribe(
        new Subscriber<T>() {
          private Object last;

          @Override
          public void onSubscribe(Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(T item) {
            last = item;
          }

          @Override
          public void onError(Throwable t) {
            onError.accept(t);
          }

          @Override
          public void onComplete() {
            onDone.accept(last);
          }
        });
  }
}
