package io.sluice.router.routing;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The counters of {@code rateLimit} (SPEC §2), in the store so that every node counts the same: one
 * document per (workflow, key, window), {@code _id} = {@code workflow␀key␀windowStart}, holding the
 * identities of the events it admitted ({@code events}). Fixed windows: a window starts at a
 * multiple of the period since the epoch.
 *
 * <p>An event is admitted when its window holds fewer than {@code limit} events, or holds it
 * already: a replayed or re-routed event is admitted again and counts once. Admission is one update
 * ({@code $addToSet} where the array has no element at {@code limit - 1}); only a full window costs
 * a second read. Windows are deleted once their period is over ({@link #cleanUp}).
 */
public final class RateLimits {
  /** The collection's name. */
  public static final String COLLECTION = "rate_limits";

  private final MongoCollection<Document> windows;
  private final Clock clock;

  public RateLimits(MongoCollection<Document> windows, Clock clock) {
    this.windows = windows;
    this.clock = clock;
  }

  /** Whether the event (its identity) may start the workflow under this limit, counting it. */
  public Future<Boolean> admit(
      String workflowId, String key, String identity, int limit, Duration period) {
    long periodMs = Math.max(1, period.toMillis());
    long start = Math.floorDiv(clock.millis(), periodMs) * periodMs;
    String id = workflowId + "\u0000" + key + "\u0000" + start;
    Bson notFull =
        Filters.and(Filters.eq("_id", id), Filters.exists("events." + (limit - 1), false));
    Bson add =
        Updates.combine(
            Updates.addToSet("events", identity),
            Updates.set("expiresAt", Date.from(Instant.ofEpochMilli(start + periodMs))));
    return Rx.first(windows.updateOne(notFull, add, new UpdateOptions().upsert(true)))
        .map(r -> true)
        .recover(
            e -> {
              if (!(e instanceof MongoWriteException w)
                  || w.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                return Future.failedFuture(e);
              }
              // the window exists and is full, or another node created it just now
              return Rx.first(windows.updateOne(notFull, add))
                  .compose(
                      r ->
                          r.getMatchedCount() > 0
                              ? Future.succeededFuture(true)
                              : Rx.first(
                                      windows
                                          .find(
                                              Filters.and(
                                                  Filters.eq("_id", id),
                                                  Filters.eq("events", identity)))
                                          .first())
                                  .map(d -> d != null));
            });
  }

  /** Deletes the windows whose period is over. */
  public Future<Long> cleanUp() {
    return Rx.first(windows.deleteMany(Filters.lt("expiresAt", Date.from(clock.instant()))))
        .map(r -> r.getDeletedCount());
  }
}
