package io.sluice.orchestrator.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the decider needs to know about one workflow instance; one store document. The
 * lifecycle history is not held here: the decider only appends to it ({@link Decision#events()}).
 *
 * @param key the idempotency key: at most one instance per (workflowId, key)
 * @param event the trigger event in structured form, or null for a manual start
 * @param steps every step of the definition (main and {@code onFailure}), in definition order
 * @param endingAs while {@code onFailure} steps run, the terminal status the instance will take
 *     (FAILED or TIMED_OUT); null otherwise
 * @param seq how many lifecycle events the instance has emitted (the next event's sequence)
 * @param rev optimistic-concurrency revision, incremented by the store on every save
 */
public record InstanceState(
    String id,
    String workflowId,
    int version,
    String key,
    String supersededBy,
    InstanceStatus status,
    InstanceStatus endingAs,
    Object input,
    Map<String, Object> event,
    Map<String, StepState> steps,
    Object output,
    StepError error,
    Instant startedAt,
    Instant updatedAt,
    Instant endedAt,
    List<Timer> timers,
    int seq,
    long rev) {

  public InstanceState {
    steps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(steps));
    timers = List.copyOf(timers);
  }

  /**
   * The identity ({@code source/id}) of the event that started the instance, or the instance id
   * when no event did (a start through the API).
   */
  public String startedBy() {
    return event == null ? id : event.get("source") + "/" + event.get("id");
  }

  /** When the earliest timer is due, or null when none is armed. */
  public Instant nextTimerAt() {
    Instant next = null;
    for (Timer t : timers) {
      if (next == null || t.dueAt().isBefore(next)) {
        next = t.dueAt();
      }
    }
    return next;
  }

  public InstanceState withRev(long newRev) {
    return new InstanceState(
        id,
        workflowId,
        version,
        key,
        supersededBy,
        status,
        endingAs,
        input,
        event,
        steps,
        output,
        error,
        startedAt,
        updatedAt,
        endedAt,
        timers,
        seq,
        newRev);
  }
}
