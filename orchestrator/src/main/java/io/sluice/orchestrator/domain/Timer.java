package io.sluice.orchestrator.domain;

import java.time.Instant;

/**
 * A durable timer, stored in its instance's document. Its id is derived from what it is for, so
 * arming the same timer twice is one timer and a late or repeated fire is recognized as stale.
 *
 * @param stepId the step it belongs to, or null for the workflow timeout
 * @param attempt the step attempt it belongs to (0 when not attempt-specific)
 */
public record Timer(String id, Kind kind, String stepId, int attempt, Instant dueAt) {
  /** What a timer does when it fires. */
  public enum Kind {
    DELAY,
    RETRY,
    STEP_TIMEOUT,
    /** The {@code timeout} of a {@code waitForEvent} step. */
    WAIT_TIMEOUT,
    WORKFLOW_TIMEOUT
  }

  public static Timer of(Kind kind, String stepId, int attempt, Instant dueAt) {
    String id = kind.name() + ":" + (stepId == null ? "" : stepId) + ":" + attempt;
    return new Timer(id, kind, stepId, attempt, dueAt);
  }
}
