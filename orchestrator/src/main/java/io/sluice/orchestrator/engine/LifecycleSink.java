package io.sluice.orchestrator.engine;

import io.sluice.core.event.CloudEvent;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where lifecycle events go besides the local event bus (SPEC §5): Kafka when configured. The
 * outbox relay moves its checkpoint past a save only after the sink acknowledged that save's
 * events, so an event a crash kept from the sink is published again by recovery.
 */
public interface LifecycleSink {
  /** No sink: lifecycle events stay on the event bus. */
  LifecycleSink NONE = events -> Future.succeededFuture();

  /** Completes once every event is durably accepted by the sink. */
  Future<Void> publish(List<CloudEvent> events);
}
