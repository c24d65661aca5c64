package io.sluice.orchestrator.domain;

import java.util.Objects;

/**
 * Why a step attempt (or an instance) failed.
 *
 * @param code a stable, matchable code: {@code http.4xx}, {@code http.5xx}, {@code timeout}, {@code
 *     expression}, ... (what {@code nonRetryable} lists)
 * @param retryable whether another attempt could succeed; false ends the step at once
 * @param stepId the step it came from, when it is an instance's error; else null
 */
public record StepError(String code, String message, boolean retryable, String stepId) {
  public StepError {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
  }

  public static StepError retryable(String code, String message) {
    return new StepError(code, message, true, null);
  }

  public static StepError permanent(String code, String message) {
    return new StepError(code, message, false, null);
  }

  public StepError from(String step) {
    return new StepError(code, message, retryable, step);
  }
}
