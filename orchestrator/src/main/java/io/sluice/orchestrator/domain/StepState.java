package io.sluice.orchestrator.domain;

import java.time.Instant;

/**
 * The state of one step of one instance.
 *
 * @param attempt the current (or last) attempt, 1-based; 0 before the first. Attempts are numbered
 *     across instance retries, so a result or timer of an attempt from before a retry is recognized
 *     as stale.
 * @param waitingFor what a WAITING step waits for ({@code delay}, {@code retry}, {@code event},
 *     {@code manual}), else null
 * @param base the attempts made before the current run of the step (before the last instance
 *     retry); the retry policy counts {@code attempt - base}
 */
public record StepState(
    String id,
    StepStatus status,
    int attempt,
    Object output,
    StepError error,
    Instant startedAt,
    Instant endedAt,
    String waitingFor,
    int base) {

  public static StepState pending(String id) {
    return new StepState(id, StepStatus.PENDING, 0, null, null, null, null, null, 0);
  }

  /** Pending again for an instance retry, keeping the attempt count. */
  public StepState rerun() {
    return new StepState(id, StepStatus.PENDING, attempt, null, null, null, null, null, attempt);
  }

  /** Attempts made in the current run of the step. */
  public int attemptsThisRun() {
    return attempt - base;
  }

  public StepState running(int newAttempt, Instant now) {
    return new StepState(
        id,
        StepStatus.RUNNING,
        newAttempt,
        null,
        null,
        startedAt == null ? now : startedAt,
        null,
        null,
        base);
  }

  public StepState waiting(String reason, Instant now) {
    return new StepState(
        id,
        StepStatus.WAITING,
        attempt,
        output,
        error,
        startedAt == null ? now : startedAt,
        null,
        reason,
        base);
  }

  /** Waiting for the next attempt after a failed one. */
  public StepState retrying(StepError failure) {
    return new StepState(
        id, StepStatus.WAITING, attempt, null, failure, startedAt, null, "retry", base);
  }

  public StepState completed(Object result, Instant now) {
    return new StepState(
        id,
        StepStatus.COMPLETED,
        attempt,
        result,
        null,
        startedAt == null ? now : startedAt,
        now,
        null,
        base);
  }

  public StepState failed(StepError failure, Instant now) {
    return new StepState(
        id,
        StepStatus.FAILED,
        attempt,
        null,
        failure,
        startedAt == null ? now : startedAt,
        now,
        null,
        base);
  }

  public StepState ended(StepStatus terminal, Instant now) {
    return new StepState(id, terminal, attempt, output, error, startedAt, now, null, base);
  }
}
