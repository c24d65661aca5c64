package io.sluice.bench;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.platform.Rx;
import io.sluice.server.Sluice;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;

/**
 * Counts the writes to instance documents from outside the engine, on a client of its own. Each
 * instance document is inserted with {@code rev: 1} and every later save adds one, so {@code count}
 * is the inserts and {@code sum(rev) - count} the updates. (mongo-java-server's {@code
 * serverStatus} has no {@code opcounters}; for every command, use {@link BenchStore}.) Blocking;
 * for before/after snapshots only.
 */
final class StoreCounters implements AutoCloseable {

  /** Instance documents and the sum of their revisions at one moment. */
  record Snapshot(long instances, long revisions) {
    Snapshot minus(Snapshot before) {
      return new Snapshot(instances - before.instances, revisions - before.revisions);
    }

    long updates() {
      return revisions - instances;
    }
  }

  /** The embedded store's own commit counters (see {@link #embeddedCommits}). */
  record Commits(long calls, long nanos, long versions) {
    Commits minus(Commits before) {
      return new Commits(calls - before.calls, nanos - before.nanos, versions - before.versions);
    }
  }

  private final MongoClient client;
  private final MongoDatabase db;

  private StoreCounters(String uri, String database) {
    this.client = MongoClients.create(uri);
    this.db = client.getDatabase(database);
  }

  static StoreCounters connect(String uri, String database) {
    return new StoreCounters(uri, database);
  }

  /**
   * The embedded store's connection string. {@link Sluice} does not expose it, so this reads its
   * private field: a benchmark-only shortcut that fails soft (null) if the field moves.
   */
  static String embeddedUri(Sluice node) {
    try {
      Field field = Sluice.class.getDeclaredField("embedded");
      field.setAccessible(true);
      Object embedded = field.get(node);
      if (embedded == null) {
        return null;
      }
      Method uri = embedded.getClass().getMethod("connectionString");
      uri.setAccessible(true);
      return (String) uri.invoke(embedded);
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("cannot find the embedded store's address (" + e + "): not counting");
      return null;
    }
  }

  /**
   * A reader of the embedded store's commit counters ({@code EmbeddedMongo.stats()}, package
   * private, read reflectively: a benchmark-only shortcut), or null when there are none.
   */
  static java.util.function.Supplier<Commits> embeddedCommits(Sluice node) {
    try {
      Field field = Sluice.class.getDeclaredField("embedded");
      field.setAccessible(true);
      Object embedded = field.get(node);
      if (embedded == null) {
        return null;
      }
      Method stats = embedded.getClass().getDeclaredMethod("stats");
      stats.setAccessible(true);
      Object probe = stats.invoke(embedded);
      Method calls = probe.getClass().getDeclaredMethod("commitCalls");
      Method nanos = probe.getClass().getDeclaredMethod("commitNanos");
      Method versions = probe.getClass().getDeclaredMethod("versions");
      calls.setAccessible(true);
      nanos.setAccessible(true);
      versions.setAccessible(true);
      return () -> {
        try {
          Object s = stats.invoke(embedded);
          return new Commits(
              (long) calls.invoke(s), (long) nanos.invoke(s), (long) versions.invoke(s));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("the embedded store's commit counters are not readable (" + e + ")");
      return null;
    }
  }

  Snapshot snapshot() {
    List<Document> sums =
        await(
            Rx.all(
                db.getCollection("instances")
                    .aggregate(
                        List.of(
                            new Document(
                                "$group",
                                new Document("_id", null)
                                    .append("n", new Document("$sum", 1))
                                    .append("rev", new Document("$sum", "$rev")))))));
    return sums.isEmpty()
        ? new Snapshot(0, 0)
        : new Snapshot(number(sums.get(0).get("n")), number(sums.get(0).get("rev")));
  }

  /** The average BSON size of an instance document, in bytes (-1 if the store does not say). */
  long averageInstanceBytes() {
    Document stats = await(Rx.first(db.runCommand(new Document("collStats", "instances"))));
    return number(stats.get("avgObjSize"));
  }

  private static long number(Object value) {
    return value instanceof Number n ? n.longValue() : -1;
  }

  private static <T> T await(io.vertx.core.Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("reading the store's counters failed: " + e, e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
