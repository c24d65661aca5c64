package io.sluice.orchestrator.steps;

/** An expected failure of a step attempt, with its matchable code (see {@code nonRetryable}). */
public final class StepFailure extends RuntimeException {
  private final String code;
  private final boolean retryable;

  public StepFailure(String code, String message, boolean retryable) {
    super(message, null, false, false);
    this.code = code;
    this.retryable = retryable;
  }

  public String code() {
    return code;
  }

  public boolean retryable() {
    return retryable;
  }
}
