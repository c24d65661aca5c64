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
   * The events this node stored at or after {@code since} that have no routing record, oldest
   * first, after store id {@code afterStoreId} (null: from the first), at most {@code limit}.
   */
  Future<List<Archived>> unroutedSince(Instant since, String afterStoreId, int limit);

  /** This node's checkpoint: every event it stored before it is routed; null: none yet. */
  Future<Instant> routedBefore();

  /** Moves this node's checkpoint. */
  Future<Void> routedBefore(Instant checkpoint);
}
