package io.sluice.orchestrator.engine;

import io.sluice.core.event.CloudEvent;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Stored events of a type that arrived at or after a time, oldest first (port, served by the event
 * store). The engine offers them to a {@code waitForEvent} step that just began waiting, so an
 * event that raced ahead of the wait is not lost (the look-back window).
 */
@FunctionalInterface
public interface RecentEvents {
  /** No event store: nothing is looked back at. */
  RecentEvents NONE = (type, since) -> Future.succeededFuture(List.of());

  Future<List<CloudEvent>> since(String type, Instant since);
}
