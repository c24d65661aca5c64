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

  /** Every one of these sinks (NONE when there are none). */
  static LifecycleSink all(List<LifecycleSink> sinks) {
    List<LifecycleSink> real = sinks.stream().filter(s -> s != NONE).toList();
    if (real.isEmpty()) {
      return NONE;
    }
    if (real.size() == 1) {
      return real.get(0);
    }
    return events -> Future.all(real.stream().map(s -> s.publish(events)).toList()).mapEmpty();
  }
}
