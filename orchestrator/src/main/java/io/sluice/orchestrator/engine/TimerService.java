package io.sluice.orchestrator.engine;

import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.Timer;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.BiConsumer;

/**
 * Fires durable timers. Timers live in instance documents (so they survive a crash); this service
 * keeps an index of the timers of the running instances this node owns, ordered by due time, and
 * one Vert.x timer for the earliest. The index is rebuilt from the store when the node takes
 * ownership (at start) and kept current from every save, so no store query runs per tick — the
 * embedded store has no range indexes, and a poll would scan every instance.
 *
 * <p>A fire is an input like any other: a timer that no longer exists in the state, or fires twice,
 * changes nothing. Confined to the engine's context.
 */
final class TimerService {
  private record Entry(long dueMs, String instanceId, String timerId) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = Long.compare(dueMs, o.dueMs);
      if (c != 0) {
        return c;
      }
      c = instanceId.compareTo(o.instanceId);
      return c != 0 ? c : timerId.compareTo(o.timerId);
    }
  }

  private final Vertx vertx;
  private final Clock clock;
  private final TreeSet<Entry> due = new TreeSet<>();
  private final Map<String, List<Entry>> byInstance = new HashMap<>();
  private BiConsumer<String, Input> fire;
  private long vertxTimer = -1;
  private long armedFor = Long.MAX_VALUE;

  TimerService(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  void onFire(BiConsumer<String, Input> handler) {
    this.fire = handler;
  }

  /** Replaces what is known of the instance's timers with its saved state. */
  void track(InstanceState state) {
    List<Entry> old = byInstance.remove(state.id());
    if (old != null) {
      old.forEach(due::remove);
    }
    if (state.status().isTerminal() || state.timers().isEmpty()) {
      return;
    }
    List<Entry> entries = new ArrayList<>(state.timers().size());
    for (Timer t : state.timers()) {
      Entry e = new Entry(t.dueAt().toEpochMilli(), state.id(), t.id());
      entries.add(e);
      due.add(e);
    }
    byInstance.put(state.id(), entries);
    schedule();
  }

  private void schedule() {
    if (due.isEmpty()) {
      return;
    }
    long next = due.first().dueMs();
    if (vertxTimer >= 0 && armedFor <= next) {
      return;
    }
    if (vertxTimer >= 0) {
      vertx.cancelTimer(vertxTimer);
    }
    armedFor = next;
    vertxTimer = vertx.setTimer(Math.max(1, next - clock.millis()), id -> tick());
  }

  private void tick() {
    vertxTimer = -1;
    armedFor = Long.MAX_VALUE;
    long now = clock.millis();
    while (!due.isEmpty() && due.first().dueMs() <= now) {
      Entry e = due.pollFirst();
      List<Entry> entries = byInstance.get(e.instanceId());
      if (entries != null) {
        entries.remove(e);
        if (entries.isEmpty()) {
          byInstance.remove(e.instanceId());
        }
      }
      fire.accept(e.instanceId(), new Input.TimerFired(e.timerId()));
    }
    schedule();
  }

  int size() {
    return due.size();
  }
}
