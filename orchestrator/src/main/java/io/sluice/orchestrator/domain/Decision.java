package io.sluice.orchestrator.domain;

import io.sluice.core.event.CloudEvent;
import java.util.List;

/**
 * The outcome of deciding one input: the new state, the lifecycle events it appends to the history
 * (and outbox), events emitted by {@code emit} steps, and the effects to perform after the save.
 *
 * @param rejection why the input was refused (e.g. cancel of a finished instance), or null; a
 *     rejected input changes nothing
 */
public record Decision(
    InstanceState state,
    List<CloudEvent> events,
    List<CloudEvent> emitted,
    List<Effect> effects,
    String rejection) {

  public static Decision unchanged(InstanceState state) {
    return new Decision(state, List.of(), List.of(), List.of(), null);
  }

  public static Decision rejected(InstanceState state, String reason) {
    return new Decision(state, List.of(), List.of(), List.of(), reason);
  }

  /** Whether there is anything to save. */
  public boolean changed() {
    return !events.isEmpty() || !emitted.isEmpty();
  }
}
