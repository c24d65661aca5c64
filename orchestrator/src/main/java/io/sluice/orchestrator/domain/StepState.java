package io.sluice.orchestrator.domain;

import java.time.Instant;

/**
 * The state of one step of one instance.
 *
 * @param attempt the current (or last) attempt, 1-based; 0 before the first
 * @param waitingFor what a WAITING step waits for ({@code delay}, {@code retry}), else null
 */
public record StepState(
    String id,
    StepStatus status,
    int attempt,
    Object output,
    StepError error,
    Instant startedAt,
    Instant endedAt,
    String waitingFor) {

  public static StepState pending(String id) {
    return new StepState(id, StepStatus.PENDING, 0, null, null, null, null, null);
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
        null);
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
        reason);
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
        null);
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
        null);
  }

  public StepState ended(StepStatus terminal, Instant now) {
    return new StepState(id, terminal, attempt, output, error, startedAt, now, null);
  }
}
