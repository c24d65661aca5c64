package io.sluice.platform;

import io.sluice.core.event.CloudEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * Publishes events on the Vert.x event bus: each lifecycle event to the address named by its type
 * and to {@link #LIFECYCLE}; each event emitted by an {@code emit} step to its type and to {@link
 * #EMITTED}. Messages are {@link CloudEvent} objects (local codec, no serialization).
 */
public final class LifecycleBus {
  /** Every lifecycle event, whatever its type (the SSE stream listens here). */
  public static final String LIFECYCLE = "sluice.lifecycle";

  /** Every event emitted by a workflow step (the router listens here). */
  public static final String EMITTED = "sluice.emitted";

  private final EventBus bus;

  public LifecycleBus(Vertx vertx) {
    this.bus = vertx.eventBus();
    registerCodec(bus);
  }

  /** Registers the local CloudEvent codec once per Vert.x instance. */
  public static synchronized void registerCodec(EventBus bus) {
    try {
      bus.registerDefaultCodec(CloudEvent.class, new LocalCodec());
    } catch (IllegalStateException alreadyRegistered) {
      // another component of this Vert.x instance registered it first: same codec, nothing to do
    }
  }

  public void lifecycle(CloudEvent event) {
    bus.publish(event.type(), event);
    bus.publish(LIFECYCLE, event);
  }

  public void emitted(CloudEvent event) {
    bus.publish(event.type(), event);
    bus.publish(EMITTED, event);
  }

  private static final class LocalCodec implements MessageCodec<CloudEvent, CloudEvent> {
    @Override
    public void encodeToWire(Buffer buffer, CloudEvent event) {
      throw new UnsupportedOperationException("lifecycle events are published locally only");
    }

    @Override
    public CloudEvent decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("lifecycle events are published locally only");
    }

    @Override
    public CloudEvent transform(CloudEvent event) {
      return event; // immutable record
    }

    @Override
    public String name() {
      return "sluice-cloudevent";
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
