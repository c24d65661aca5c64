package io.sluice.orchestrator.domain;

import java.time.Duration;

/** Work the decider asks for, performed by the engine only after the new state is saved. */
public sealed interface Effect {

  /**
   * Run one attempt of a step that is not pure (http, custom types); its result comes back as
   * {@link Input.StepSucceeded} or {@link Input.StepFailed} with the same attempt.
   *
   * @param with the step's parameters, already evaluated
   * @param idempotencyKey {@code instanceId/stepId}, the same for every attempt (SPEC §3)
   * @param timeout bound on this attempt, or null
   */
  record ExecuteStep(
      String instanceId,
      String workflowId,
      int version,
      String stepId,
      String type,
      int attempt,
      Object with,
      Duration timeout,
      String idempotencyKey)
      implements Effect {}

  /** Report an attempt as failed without running it (its parameters no longer evaluate). */
  record FailAttempt(String instanceId, String stepId, int attempt, StepError error)
      implements Effect {}

  /**
   * A {@code waitForEvent} step began waiting for events of {@code type}: register the instance so
   * such events reach it, and offer it the events of that type that arrived shortly before {@code
   * since} (the look-back window), so an event that raced ahead of the wait is not lost.
   */
  record Subscribe(String instanceId, String stepId, String type, java.time.Instant since)
      implements Effect {}

  /** The step no longer waits (resumed, timed out, cancelled): drop the registration. */
  record Unsubscribe(String instanceId, String stepId, String type) implements Effect {}

  /**
   * A {@code task} step began waiting for a worker: put its task in the queue (writing it again
   * changes nothing). {@code taskId} is {@code <instanceId>:<stepId>:<attempt>}.
   */
  record OfferTask(
      String taskId,
      String queue,
      String instanceId,
      String workflowId,
      String stepId,
      int attempt,
      Object input,
      java.time.Instant createdAt)
      implements Effect {}

  /** The task step no longer waits (completed, failed, timed out, cancelled): drop its task. */
  record WithdrawTask(String taskId) implements Effect {}
}
