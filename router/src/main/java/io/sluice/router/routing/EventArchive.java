package io.sluice.router.routing;

import io.sluice.core.event.CloudEvent;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The stored events, as the router needs them (port, served by the event store): to record what
 * routing an event did, to read a time range of events again for a replay, and to route again after
 * a crash what the node stored but had not routed. Futures complete on the caller's Vert.x context.
 */
public interface EventArchive {
  /** An event and its store id. */
  record Archived(String storeId, CloudEvent event) {}

  /** Records what routing the event with this store id did. */
  Future<Void> record(String storeId, Map<String, Object> routing);

  /**
   * Stored events received in [{@code since}, {@code until}), oldest first, at most {@code limit};
   * of one type, or of every type when {@code type} is null.
   */
  Future<List<Archived>> between(String type, Instant since, Instant until, int limit);

  /**
   * The events {@code node} stored at or after {@code since} that have no routing record, oldest
   * first, after store id {@code afterStoreId} (null: from the first), at most {@code limit}.
   */
  Future<List<Archived>> unroutedSince(String node, Instant since, String afterStoreId, int limit);

  /**
   * A node's checkpoint: every event it stored before {@code routedBefore} is routed; {@code
   * seenAt}: when it was last written.
   */
  record Checkpoint(String node, Instant routedBefore, Instant seenAt) {}

  /** The checkpoint of {@code node}; null: none yet. */
  Future<Checkpoint> checkpoint(String node);

  /** Writes a checkpoint. */
  Future<Void> checkpoint(Checkpoint checkpoint);

  /** The checkpoints of the other nodes last written before {@code seenBefore}. */
  Future<List<Checkpoint>> stale(String self, Instant seenBefore);

  /** Claims a stale checkpoint (its seenAt becomes {@code now}); true for the one node that did. */
  Future<Boolean> claim(Checkpoint stale, Instant now);
}
