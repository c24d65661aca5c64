package io.sluice.ingestion.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * The event store: every accepted event, once per identity {@code (source, id)}.
 *
 * <p>Contract: futures complete on the Vert.x context of the caller. A write future succeeds only
 * after the store acknowledged the write (on the embedded store: committed to its file), so an
 * event may be acknowledged to its producer as soon as the future succeeds. Identity is enforced by
 * a unique index, so it holds with several nodes on one store and under concurrent duplicates: of
 * any number of concurrent inserts of one identity, exactly one stores, the others answer the
 * stored record as a duplicate.
 */
public interface EventStore {
  /** The stored record of an insert, and whether an event of that identity was there before. */
  record Insertion(StoredEvent record, boolean duplicate) {}

  /** A page of events, newest first, and the cursor of the next page (null on the last). */
  record Page(List<StoredEvent> items, String next) {}

  /**
   * Stores {@code event} unless its identity is stored; then answers the <em>original</em> record
   * with {@code duplicate = true} and changes nothing. Idempotent.
   */
  Future<Insertion> insert(StoredEvent event);

  /**
   * {@link #insert} for many events in one round trip; one insertion per event, in order. Not
   * atomic: when it fails, some events may be stored (retrying is safe: duplicates are answered).
   */
  Future<List<Insertion>> insertAll(List<StoredEvent> events);

  /** The event with this store id, or null. */
  Future<StoredEvent> get(String id);

  /** The events matching {@code query}, newest first. */
  Future<Page> list(EventQuery query);

  /** Records what routing the event did (replacing an earlier record, e.g. after a replay). */
  Future<Void> recordRouting(String id, java.util.Map<String, Object> routing);

  /**
   * The events {@code node} stored, received at or after {@code since}, that have no routing record
   * (not routed, or routed to nothing), oldest first, after store id {@code afterId} (null: from
   * the first), at most {@code limit}: for the router's recovery.
   */
  Future<List<StoredEvent>> unroutedSince(String node, Instant since, String afterId, int limit);

  /**
   * A node's router checkpoint: every event it stored before {@code routedBefore} is routed; {@code
   * seenAt} is when the node (or a node taking over for it) last wrote it.
   */
  record RouterCheckpoint(String node, Instant routedBefore, Instant seenAt) {}

  /** The router checkpoint of {@code node}, or null. */
  Future<RouterCheckpoint> routerCheckpoint(String node);

  /** Writes a node's router checkpoint. */
  Future<Void> routerCheckpoint(RouterCheckpoint checkpoint);

  /** The checkpoints of the other nodes last seen before {@code seenBefore}. */
  Future<List<RouterCheckpoint>> staleRouterCheckpoints(String self, Instant seenBefore);

  /**
   * Claims a stale checkpoint for a takeover: sets its {@code seenAt} to {@code now} if it is still
   * {@code seenAt} (so that one node takes over); true if this call did.
   */
  Future<Boolean> claimRouterCheckpoint(RouterCheckpoint stale, Instant now);
}
