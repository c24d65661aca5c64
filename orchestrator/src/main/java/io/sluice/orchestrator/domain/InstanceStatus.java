package io.sluice.orchestrator.domain;

/** Where a workflow instance is in its life (SPEC §3). */
public enum InstanceStatus {
  RUNNING,
  COMPLETED,
  FAILED,
  CANCELLED,
  TIMED_OUT;

  public boolean isTerminal() {
    return this != RUNNING;
  }

  /** Whether {@code POST /retry} may resume an instance in this status. */
  public boolean isRetriable() {
    return this == FAILED || this == TIMED_OUT;
  }

  /** The lifecycle event type announcing this status. */
  public String eventType() {
    return switch (this) {
      case RUNNING -> LifecycleTypes.WORKFLOW_STARTED;
      case COMPLETED -> LifecycleTypes.WORKFLOW_COMPLETED;
      case FAILED -> LifecycleTypes.WORKFLOW_FAILED;
      case CANCELLED -> LifecycleTypes.WORKFLOW_CANCELLED;
      case TIMED_OUT -> LifecycleTypes.WORKFLOW_TIMED_OUT;
    };
  }
}
