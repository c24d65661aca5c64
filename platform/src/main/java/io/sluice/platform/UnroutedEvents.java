package io.sluice.platform;

import java.time.Instant;
import java.util.TreeMap;

/**
 * The events this node accepted and has not routed yet, by the time they were received: ingestion
 * adds an event before storing it, the router removes it once routed. The oldest one bounds the
 * router's checkpoint ("every event this node accepted before T is routed"), from which a restarted
 * node routes again what a crash left between the store and the router. Thread-safe (ingestion and
 * the router run on different event loops); each call is a few map operations.
 */
public final class UnroutedEvents {
  private final TreeMap<Instant, Integer> pending = new TreeMap<>();

  /** An event received at this time is about to be stored. */
  public synchronized void accepting(Instant receivedAt) {
    pending.merge(receivedAt, 1, Integer::sum);
  }

  /** That event is routed, or needs no routing (a duplicate, a failed store write). */
  public synchronized void done(Instant receivedAt) {
    pending.computeIfPresent(receivedAt, (k, n) -> n == 1 ? null : n - 1);
  }

  /** Every event received before the answer is routed: the oldest pending one, or {@code now}. */
  public synchronized Instant routedBefore(Instant now) {
    return pending.isEmpty() ? now : pending.firstKey();
  }
}
