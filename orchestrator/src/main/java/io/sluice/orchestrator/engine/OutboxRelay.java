package io.sluice.orchestrator.engine;

import io.sluice.core.event.CloudEvent;
import io.sluice.orchestrator.store.InstanceStore;
import io.sluice.orchestrator.store.InstanceStore.Outbox;
import io.sluice.orchestrator.store.RelayCheckpoints;
import io.sluice.platform.LifecycleBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the events a save wrote, after the save (transactional outbox, SPEC §5).
 *
 * <p>Instead of one write per published event, the relay keeps a per-node checkpoint: "every save
 * this node stamped before T is published", where T is the oldest save still in flight. After a
 * crash, {@link #recover()} publishes again every event saved since the checkpoint (minus a margin
 * for clock steps), so none is lost; some may be published twice (at-least-once, ids stable). Only
 * called on the engine's context: no locking.
 */
final class OutboxRelay {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  static final Duration MARGIN = Duration.ofSeconds(10);
  private static final int PAGE = 100; // small pages: parsing a page runs on the event loop
  private static final long SINK_RETRY_MS = 1_000;

  private final String node;
  private final Clock clock;
  private final InstanceStore store;
  private final RelayCheckpoints checkpoints;
  private final LifecycleBus bus;
  private final LifecycleSink sink;
  private final LifecycleSink intake;
  private final Vertx vertx;
  private final TreeMap<Instant, Integer> inFlight = new TreeMap<>();
  private Instant written;

  OutboxRelay(
      String node,
      Clock clock,
      InstanceStore store,
      RelayCheckpoints checkpoints,
      LifecycleBus bus,
      LifecycleSink sink,
      LifecycleSink intake,
      Vertx vertx) {
    this.sink = sink;
    this.intake = intake;
    this.vertx = vertx;
    this.node = node;
    this.clock = clock;
    this.store = store;
    this.checkpoints = checkpoints;
    this.bus = bus;
  }

  /** A save stamped {@code at} is about to be written. */
  void saving(Instant at) {
    inFlight.merge(at, 1, Integer::sum);
  }

  /**
   * The save stamped {@code at} ended; if it was written, its events are published now: lifecycle
   * events on the event bus and to the sink (Kafka, webhook subscriptions), emitted events to the
   * intake (admitted into Sluice like any event: stored, then routed) and to the sink. Without an
   * intake, emitted events go on the event bus ({@link LifecycleBus#EMITTED}). The save stays in
   * flight (holding the checkpoint back) until the sink and the intake acknowledged its events; one
   * that fails is tried again every second.
   */
  void saved(Instant at, boolean written, List<CloudEvent> events, List<CloudEvent> emitted) {
    if (!written) {
      done(at);
      return;
    }
    events.forEach(bus::lifecycle);
    if (intake == LifecycleSink.NONE) {
      emitted.forEach(bus::emitted);
    }
    deliver(at, events, emitted);
  }

  private void deliver(Instant at, List<CloudEvent> events, List<CloudEvent> emitted) {
    List<Future<Void>> acks = new ArrayList<>(2);
    if (sink != LifecycleSink.NONE && !(events.isEmpty() && emitted.isEmpty())) {
      List<CloudEvent> all = new ArrayList<>(events.size() + emitted.size());
      all.addAll(events);
      all.addAll(emitted);
      acks.add(sink.publish(all));
    }
    if (intake != LifecycleSink.NONE && !emitted.isEmpty()) {
      acks.add(intake.publish(emitted));
    }
    if (acks.isEmpty()) {
      done(at);
      return;
    }
    Future.all(acks)
        .onSuccess(v -> done(at))
        .onFailure(
            e -> {
              log.warn("publishing the events of a save failed, trying again: {}", e.toString());
              vertx.setTimer(SINK_RETRY_MS, t -> deliver(at, events, emitted));
            });
  }

  private void done(Instant at) {
    inFlight.computeIfPresent(at, (k, n) -> n == 1 ? null : n - 1);
  }

  /** Writes the checkpoint if it moved; called periodically. */
  Future<Void> checkpoint() {
    Instant now = Instant.ofEpochMilli(clock.millis());
    Instant publishedBefore = inFlight.isEmpty() ? now : inFlight.firstKey();
    if (publishedBefore.equals(written)) {
      return Future.succeededFuture();
    }
    return checkpoints.put(node, publishedBefore).onSuccess(v -> written = publishedBefore);
  }

  /** Publishes again what was saved since the last checkpoint of this node. */
  Future<Integer> recover() {
    return checkpoints
        .get(node)
        .compose(
            checkpoint -> {
              Instant since = checkpoint == null ? Instant.EPOCH : checkpoint.minus(MARGIN);
              return republish(since, null, 0);
            })
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info(
                    "outbox recovery published {} event(s) saved since the last checkpoint", n);
              }
            });
  }

  private Future<Integer> republish(Instant since, String afterId, int count) {
    return store
        .savedSince(since, afterId, PAGE)
        .compose(
            page -> {
              int n = count;
              List<CloudEvent> lifecycle = new ArrayList<>();
              List<CloudEvent> emittedAgain = new ArrayList<>();
              for (Outbox o : page) {
                for (CloudEvent e : o.events()) {
                  if (e.time() == null || !e.time().isBefore(since)) {
                    bus.lifecycle(e);
                    lifecycle.add(e);
                    n++;
                  }
                }
                for (CloudEvent e : o.emitted()) {
                  if (e.time() == null || !e.time().isBefore(since)) {
                    if (intake == LifecycleSink.NONE) {
                      bus.emitted(e);
                    }
                    emittedAgain.add(e);
                    n++;
                  }
                }
              }
              // held in flight at the old checkpoint until the sink and the intake have them:
              // not blocking start
              inFlight.merge(since, 1, Integer::sum);
              deliver(since, lifecycle, emittedAgain);
              if (page.size() < PAGE) {
                return Future.succeededFuture(n);
              }
              return republish(since, page.get(page.size() - 1).instanceId(), n);
            });
  }
}
