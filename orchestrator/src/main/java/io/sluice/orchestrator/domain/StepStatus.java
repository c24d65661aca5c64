package io.sluice.orchestrator.domain;

/** Where a step is in its life (SPEC §3). */
public enum StepStatus {
  PENDING,
  RUNNING,
  /** Waiting for a timer (delay, retry backoff), an event or a person. */
  WAITING,
  COMPLETED,
  FAILED,
  SKIPPED,
  CANCELLED;

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == SKIPPED || this == CANCELLED;
  }

  /** Started but not finished: what a cancellation has to stop. */
  public boolean isActive() {
    return this == RUNNING || this == WAITING;
  }
}
