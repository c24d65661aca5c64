package io.sluice.server.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.InsertManyResult;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.bson.Document;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import org.slf4j.LoggerFactory;

/**
 * Measures the embedded store with the reactive driver, with and without the per-write commit. Not
 * a test. Arguments: ops per row, operations in flight, rows (comma-separated, or {@code all}),
 * modes like {@code commit:0,stock:0} (the number: server I/O threads, 0 = Netty's default of twice
 * the cores). Each in-flight lane issues its next operation when its previous one completes. The
 * command is in docs/benchmarks.md.
 */
public final class StoreThroughputCheck {

  private static final String PAYLOAD = "x".repeat(400);
  private static final int BATCH = 32;
  private static final int BACKGROUND = 20_000;
  private static final List<String> ROWS =
      List.of("insertOne", "insertMany", "findOneAndUpdate", "bulkWrite", "find", "noIndex");

  /** One operation of one lane; {@code seq} counts that lane's operations from 0. */
  private interface Op {
    Publisher<?> issue(MongoCollection<Document> c, int lane, int seq);
  }

  private record Run(EmbeddedMongo store, int ops, int lanes, boolean print) {}

  private StoreThroughputCheck() {}

  public static void main(String[] args) throws Exception {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int lanes = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    List<String> rows =
        args.length > 2 && !args[2].equals("all") ? List.of(args[2].split(",")) : ROWS;
    List<String> modes = List.of((args.length > 3 ? args[3] : "commit:0,stock:0").split(","));
    System.out.printf(
        "%d ops per row (insertMany/bulkWrite: %d docs per call), %d in flight, %d cores%n",
        ops, BATCH, lanes, Runtime.getRuntime().availableProcessors());
    suite(true, 0, new Run(null, Math.max(ops / 10, lanes * 4), lanes, false), rows);
    for (String mode : modes) {
      boolean commit = mode.startsWith("commit");
      int threads = Integer.parseInt(mode.substring(mode.indexOf(':') + 1));
      System.out.printf(
          "%n%s, %s server I/O threads%n",
          commit ? "per-write commit" : "stock (background commit about every second)",
          threads == 0 ? "default (2 x cores)" : threads);
      suite(commit, threads, new Run(null, ops, lanes, true), rows);
    }
  }

  private static void suite(boolean commit, int threads, Run spec, List<String> rows)
      throws Exception {
    Path dir = Files.createTempDirectory("sluice-store-check");
    try (EmbeddedMongo store = EmbeddedMongo.start(dir, commit, threads);
        MongoClient client = MongoClients.create(store.connectionString())) {
      Run run = new Run(store, spec.ops(), spec.lanes(), spec.print());
      MongoDatabase db = client.getDatabase("sluice");
      MongoCollection<Document> instances = db.getCollection("instances");
      seed(instances, run.lanes(), true);
      for (String row : rows) {
        switch (row) {
          case "insertOne" ->
              row(run, row, 1, StoreThroughputCheck::insertOne, r -> true, db.getCollection("one"));
          case "insertMany" ->
              row(
                  run,
                  "insertMany x32",
                  BATCH,
                  StoreThroughputCheck::insertMany,
                  r -> ((InsertManyResult) r).getInsertedIds().size() == BATCH,
                  db.getCollection("many"));
          case "findOneAndUpdate" ->
              row(
                  run,
                  "findOneAndUpdate {_id,rev}",
                  1,
                  StoreThroughputCheck::casUpdate,
                  r -> r != null,
                  instances);
          case "bulkWrite" ->
              row(
                  run,
                  "bulkWrite x32 updateOne",
                  BATCH,
                  StoreThroughputCheck::bulkCas,
                  r -> ((BulkWriteResult) r).getModifiedCount() == BATCH,
                  instances);
          case "find" ->
              row(run, "find by _id", 1, StoreThroughputCheck::findById, r -> r != null, instances);
          case "noIndex" -> {
            MongoCollection<Document> plain = db.getCollection("plain");
            seed(plain, run.lanes(), false);
            Run shorter = new Run(store, run.ops() / 20, run.lanes(), run.print());
            row(
                shorter,
                "findOneAndUpdate, no index",
                1,
                StoreThroughputCheck::casUpdate,
                r -> r != null,
                plain);
          }
          default -> throw new IllegalArgumentException("unknown row " + row + "; rows: " + ROWS);
        }
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
   * the index's keys: a {@code {_id, rev}} filter scans the collection unless an index has exactly
   * the keys {@code {_id, rev}}.
   */
  private static void seed(MongoCollection<Document> c, int lanes, boolean revIndex)
      throws InterruptedException {
    if (revIndex) {
      await(
          c.createIndex(new Document("_id", 1).append("rev", 1), new IndexOptions().unique(true)));
    }
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < BACKGROUND; i++) {
      docs.add(doc("a-" + i).append("rev", 0)); // before the lanes in _id order
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
    return c.findOneAndUpdate(
        casFilter("c-" + lane, seq),
        Updates.combine(Updates.set("rev", seq + 1), Updates.set("state", "s" + seq)));
  }

  private static Publisher<?> bulkCas(MongoCollection<Document> c, int lane, int seq) {
    List<UpdateOneModel<Document>> models = new ArrayList<>(BATCH);
    for (int k = 0; k < BATCH; k++) {
      models.add(
          new UpdateOneModel<>(casFilter("b-" + lane + "-" + k, seq), Updates.set("rev", seq + 1)));
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
      Run run,
      String name,
      int docsPerCall,
      Op op,
      Predicate<Object> ok,
      MongoCollection<Document> c)
      throws InterruptedException {
    int perLane = Math.max(1, run.ops() / docsPerCall / run.lanes());
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Throwable> error = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(run.lanes());
    DurableH2Backend.Stats before = run.store().stats();
    long start = System.nanoTime();
    for (int l = 0; l < run.lanes(); l++) {
      runLane(c, op, ok, l, 0, perLane, failed, error, done);
    }
    done.await();
    double seconds = (System.nanoTime() - start) / 1e9;
    DurableH2Backend.Stats after = run.store().stats();
    if (error.get() != null) {
      throw new IllegalStateException(name + " failed", error.get());
    }
    if (run.print()) {
      int calls = perLane * run.lanes();
      long commitCalls = after.commitCalls() - before.commitCalls();
      long versions = after.versions() - before.versions();
      System.out.printf(
          "  %-27s %6d calls %7.2f s %7.0f calls/s %7.0f docs/s | %5.1f calls/version,"
              + " %6.2f ms/commit call | failed checks: %d%n",
          name,
          calls,
          seconds,
          calls / seconds,
          calls * docsPerCall / seconds,
          calls / (double) Math.max(1, versions),
          commitCalls == 0 ? 0.0 : (after.commitNanos() - before.commitNanos()) / 1e6 / commitCalls,
          failed.get());
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
      Publisher<T> p, Consumer<Object> onDone, Consumer<Throwable> onError) {
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
