package io.sluice.orchestrator.domain;

import io.sluice.core.event.CloudEvent;

/** What can happen to an instance: each input is decided once (SPEC §3, exactly-once). */
public sealed interface Input {

  /** Create the instance. */
  record Start(String instanceId, String key, Object input, CloudEvent event) implements Input {}

  /** An attempt of an executed step returned. Stale attempts are ignored. */
  record StepSucceeded(String stepId, int attempt, Object output) implements Input {}

  /** An attempt of an executed step failed. Stale attempts are ignored. */
  record StepFailed(String stepId, int attempt, StepError error) implements Input {}

  /** A durable timer is due. A timer no longer armed is ignored. */
  record TimerFired(String timerId) implements Input {}

  /** Stop the instance and its running steps. */
  record Cancel(String reason) implements Input {}

  /**
   * A start with the same key takes the key over ({@code onConflict: terminateExisting}): cancel
   * the instance if it is live, and release its key.
   */
  record Supersede(String byInstanceId) implements Input {}

  /** Resume a failed or timed-out instance from its failed steps. */
  record Retry() implements Input {}

  /**
   * An event that may resume {@code waitForEvent} steps of the instance: every waiting step whose
   * type and {@code match} accept it completes with the event as its output. Delivering the same
   * event twice changes nothing the second time.
   */
  record EventArrived(CloudEvent event) implements Input {}

  /**
   * A person completes a {@code manual} step (SPEC §4) with {@code data}, its output; refused
   * unless that step is waiting for it in attempt {@code attempt}. The data is checked against the
   * step's {@code schema} before it gets here (see {@link Decider#parameters}).
   */
  record CompleteStep(String stepId, int attempt, Object data) implements Input {}

  /**
   * A worker reports that it could not do a {@code task} step's attempt: the step fails with the
   * error (and is retried by its policy); refused unless the step waits in that attempt.
   */
  record FailTask(String stepId, int attempt, StepError error) implements Input {}
}
