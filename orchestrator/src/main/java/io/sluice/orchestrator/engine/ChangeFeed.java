package io.sluice.orchestrator.engine;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.core.id.IdGenerator;
import io.sluice.platform.Rx;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the other nodes on the same store what changed here: a definition saved or deleted, a
 * schedule paused. A change is a small document {@code {_id, topic, ref, node, at}} in the {@code
 * changes} collection; every node polls it every {@code interval} for changes newer than the last
 * it saw and hands the {@code ref} of each change another node made to the handlers of its topic,
 * on this feed's context.
 *
 * <p>Handlers re-read the current state of {@code ref} from the store rather than trusting the
 * change, so they are idempotent: a change seen twice, or out of order, converges to the stored
 * state. The poll asks for changes since the newest it saw minus {@link #OVERLAP} (a change written
 * a little late, or by a node whose clock is behind, is still seen) and skips the ids it has
 * handled. Changes older than {@link #RETENTION} are deleted, so the collection stays small (the
 * embedded store has no secondary indexes and scans it).
 *
 * <p>Cost: one query per node per interval (with nothing new: an empty answer), one insert per
 * change. Not a hot path: definitions and schedule states change at human speed.
 */
public final class ChangeFeed {
  private static final Logger log = LoggerFactory.getLogger(ChangeFeed.class);

  public static final String COLLECTION = "changes";
  static final Duration OVERLAP = Duration.ofSeconds(10);
  static final Duration RETENTION = Duration.ofMinutes(10);
  private static final int POLLS_PER_CLEANUP = 60;

  private final Vertx vertx;
  private final MongoCollection<Document> changes;
  private final String node;
  private final Clock clock;
  private final IdGenerator ids;
  private final Duration interval;
  private final Map<String, List<Consumer<String>>> handlers =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final List<Runnable> ticks = new CopyOnWriteArrayList<>();

  /** The ids handled, with their time: forgotten once older than the overlap. */
  private final Map<String, Long> seen = new HashMap<>();

  private Context context;
  private long since;
  private long timer = -1;
  private boolean polling;
  private int polls;

  public ChangeFeed(
      Vertx vertx,
      MongoCollection<Document> changes,
      String node,
      Clock clock,
      IdGenerator ids,
      Duration interval) {
    this.vertx = vertx;
    this.changes = changes;
    this.node = node;
    this.clock = clock;
    this.ids = ids;
    this.interval = interval;
  }

  /**
   * Registers a handler for the changes of a topic made on other nodes, from the next poll on
   * (register before loading what the handler keeps current, so nothing falls in between).
   */
  public ChangeFeed on(String topic, Consumer<String> handler) {
    handlers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(handler);
    return this;
  }

  /** Runs {@code task} on the feed's context every {@code every} polls (for slow reconciling). */
  public ChangeFeed every(int count, Runnable task) {
    ticks.add(
        new Runnable() {
          private int n;

          @Override
          public void run() {
            if (++n % count == 0) {
              task.run();
            }
          }
        });
    return this;
  }

  /**
   * Starts polling: changes made from now on (less the overlap) are delivered; what was stored
   * before is what each component loaded at its own start.
   */
  public Future<Void> start() {
    context = vertx.getOrCreateContext();
    since = clock.millis();
    return Rx.first(changes.createIndex(Indexes.ascending("at"), new IndexOptions().name("at")))
        .<Void>mapEmpty()
        .onSuccess(
            v ->
                context.runOnContext(
                    x -> timer = vertx.setPeriodic(interval.toMillis(), t -> poll())));
  }

  /**
   * Records a change for the other nodes. Never fails: the change itself is stored already, so a
   * change record the store refused is logged, and the other nodes' reconcile (or their next start)
   * catches up with it.
   */
  public Future<Void> publish(String topic, String ref) {
    Document change =
        new Document("_id", ids.next())
            .append("topic", topic)
            .append("ref", ref)
            .append("node", node)
            .append("at", new Date(clock.millis()));
    return Rx.first(changes.insertOne(change))
        .<Void>mapEmpty()
        .recover(
            e -> {
              log.warn(
                  "recording the change of {} {} for other nodes failed ({}); they see it at"
                      + " their next reconcile or start",
                  topic,
                  ref,
                  e.toString());
              return Future.succeededFuture();
            });
  }

  private void poll() {
    if (polling) {
      return;
    }
    polling = true;
    long from = since - OVERLAP.toMillis();
    Rx.all(changes.find(Filters.gte("at", new Date(from))).sort(Sorts.ascending("at")))
        .onComplete(
            ar -> {
              polling = false;
              if (ar.failed()) {
                log.warn("polling the change feed failed: {}", ar.cause().toString());
                return;
              }
              deliver(ar.result());
              forget(since - 2 * OVERLAP.toMillis());
              ticks.forEach(Runnable::run);
              if (++polls % POLLS_PER_CLEANUP == 0) {
                cleanUp();
              }
            });
  }

  private void deliver(List<Document> found) {
    for (Document change : found) {
      long at = change.getDate("at").getTime();
      since = Math.max(since, at);
      String id = change.getString("_id");
      if (seen.putIfAbsent(id, at) != null || node.equals(change.getString("node"))) {
        continue;
      }
      String ref = change.getString("ref");
      for (Consumer<String> h : handlers.getOrDefault(change.getString("topic"), List.of())) {
        try {
          h.accept(ref);
        } catch (RuntimeException e) {
          log.error("handling change {} of {} failed", change.getString("topic"), ref, e);
        }
      }
    }
  }

  private void forget(long before) {
    for (Iterator<Long> it = seen.values().iterator(); it.hasNext(); ) {
      if (it.next() < before) {
        it.remove();
      }
    }
  }

  private void cleanUp() {
    Date before = new Date(clock.millis() - RETENTION.toMillis());
    Rx.first(changes.deleteMany(Filters.lt("at", before)))
        .onFailure(e -> log.warn("deleting old changes failed: {}", e.toString()));
  }

  public Future<Void> stop() {
    if (context == null) {
      return Future.succeededFuture();
    }
    return Future.future(
        p ->
            context.runOnContext(
                v -> {
                  if (timer >= 0) {
                    vertx.cancelTimer(timer);
                  }
                  p.complete();
                }));
  }
}
