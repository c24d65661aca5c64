package io.sluice.orchestrator.domain;

import java.util.List;

/** CloudEvent types of lifecycle events (SPEC §5), plus the few this engine adds. */
public final class LifecycleTypes {
  public static final String WORKFLOW_STARTED = "workflow.started";
  public static final String WORKFLOW_COMPLETED = "workflow.completed";
  public static final String WORKFLOW_FAILED = "workflow.failed";
  public static final String WORKFLOW_CANCELLED = "workflow.cancelled";
  public static final String WORKFLOW_TIMED_OUT = "workflow.timed_out";

  /** Not in SPEC §5: a failed instance was resumed by {@code POST /retry}. */
  public static final String WORKFLOW_RETRIED = "workflow.retried";

  /**
   * Not in SPEC §5: a start with the same key and {@code onConflict: terminateExisting} took the
   * instance's key (after cancelling it when it was live).
   */
  public static final String WORKFLOW_SUPERSEDED = "workflow.superseded";

  public static final String STEP_STARTED = "step.started";
  public static final String STEP_COMPLETED = "step.completed";
  public static final String STEP_FAILED = "step.failed";
  public static final String STEP_RETRYING = "step.retrying";
  public static final String STEP_WAITING = "step.waiting";

  /** Not in SPEC §5: the step's {@code if} was false, or all it needed were skipped. */
  public static final String STEP_SKIPPED = "step.skipped";

  /** Not in SPEC §5: a started step was stopped by cancellation or instance failure. */
  public static final String STEP_CANCELLED = "step.cancelled";

  public static final List<String> ALL =
      List.of(
          WORKFLOW_STARTED,
          WORKFLOW_COMPLETED,
          WORKFLOW_FAILED,
          WORKFLOW_CANCELLED,
          WORKFLOW_TIMED_OUT,
          WORKFLOW_RETRIED,
          WORKFLOW_SUPERSEDED,
          STEP_STARTED,
          STEP_COMPLETED,
          STEP_FAILED,
          STEP_RETRYING,
          STEP_WAITING,
          STEP_SKIPPED,
          STEP_CANCELLED);

  private LifecycleTypes() {}
}
