package io.sluice.definition;

import java.time.Duration;
import java.util.Set;

/**
 * Exponential backoff with jitter (SPEC §3). Attempt n (1-based) that failed is retried after
 * {@code min(initialInterval * multiplier^(n-1), maxInterval)}, varied by ±{@code jitter}.
 *
 * @param nonRetryable error codes that end the step at once, whatever attempts are left
 */
public record RetryPolicy(
    int maxAttempts,
    Duration initialInterval,
    double multiplier,
    Duration maxInterval,
    double jitter,
    Set<String> nonRetryable) {

  public static final Duration DEFAULT_INITIAL_INTERVAL = Duration.ofSeconds(1);
  public static final double DEFAULT_MULTIPLIER = 2.0;
  public static final Duration DEFAULT_MAX_INTERVAL = Duration.ofMinutes(5);
  public static final double DEFAULT_JITTER = 0.2;

  /** One attempt, no retry: the default of SPEC §3. */
  public static final RetryPolicy NONE =
      new RetryPolicy(
          1,
          DEFAULT_INITIAL_INTERVAL,
          DEFAULT_MULTIPLIER,
          DEFAULT_MAX_INTERVAL,
          DEFAULT_JITTER,
          Set.of());

  public RetryPolicy {
    nonRetryable = Set.copyOf(nonRetryable);
  }

  /** Whether a failed attempt with this code may be retried (attempts left, code retryable). */
  public boolean allowsRetry(int failedAttempt, String code, boolean retryable) {
    return retryable && failedAttempt < maxAttempts && !nonRetryable.contains(code);
  }

  /**
   * The wait before the attempt after {@code failedAttempt}.
   *
   * @param unitRandom a number in [0, 1) that picks the jitter; passed in so the policy is a pure
   *     function (the orchestrator derives it from the instance, step and attempt)
   */
  public Duration backoff(int failedAttempt, double unitRandom) {
    double base = initialInterval.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
    double capped = Math.min(base, (double) maxInterval.toMillis());
    double factor = 1.0 + jitter * (2.0 * unitRandom - 1.0);
    return Duration.ofMillis(Math.max(0L, Math.round(capped * factor)));
  }
}
