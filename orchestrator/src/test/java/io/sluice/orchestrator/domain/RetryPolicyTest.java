package io.sluice.orchestrator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.definition.RetryPolicy;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link RetryPolicy}: attempts, non-retryable codes and exponential backoff with jitter. */
class RetryPolicyTest {
  private static final double NO_JITTER_UNIT = 0.5; // factor 1.0 whatever the jitter

  private static RetryPolicy policy(int maxAttempts, double jitter, String... nonRetryable) {
    return new RetryPolicy(
        maxAttempts,
        Duration.ofSeconds(1),
        2.0,
        Duration.ofSeconds(30),
        jitter,
        Set.of(nonRetryable));
  }

  @Test
  void theBackoffGrowsExponentiallyFromTheInitialInterval() {
    // given
    RetryPolicy p = policy(10, 0.0);

    // when / then
    assertThat(p.backoff(1, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoff(2, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff(3, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(4));
    assertThat(p.backoff(4, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(8));
    assertThat(p.backoff(5, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(16));
  }

  @Test
  void theBackoffIsCappedAtTheMaxInterval() {
    // given
    RetryPolicy p = policy(100, 0.0);

    // when / then
    assertThat(p.backoff(6, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.backoff(7, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.backoff(99, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.backoff(5_000, NO_JITTER_UNIT)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void theJitterVariesTheBackoffWithinItsBounds() {
    // given: ±20 %
    RetryPolicy p = policy(10, 0.2);

    // when / then
    assertThat(p.backoff(2, 0.0)).isEqualTo(Duration.ofMillis(1600));
    assertThat(p.backoff(2, NO_JITTER_UNIT)).isEqualTo(Duration.ofMillis(2000));
    assertThat(p.backoff(2, Math.nextDown(1.0))).isEqualTo(Duration.ofMillis(2400));
    for (double u = 0.0; u < 1.0; u += 0.01) {
      assertThat(p.backoff(3, u)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
    }
  }

  @Test
  void theJitterIsAPureFunctionOfItsArguments() {
    // given
    RetryPolicy p = policy(10, 0.2);

    // when / then
    assertThat(p.backoff(3, 0.37)).isEqualTo(p.backoff(3, 0.37));
  }

  @Test
  void theCappedBackoffIsVariedByTheJitterOnly() {
    // given
    RetryPolicy p = policy(100, 0.2);

    // when / then: never more than maxInterval * (1 + jitter)
    for (double u = 0.0; u < 1.0; u += 0.05) {
      assertThat(p.backoff(50, u)).isBetween(Duration.ofSeconds(24), Duration.ofSeconds(36));
    }
  }

  @Test
  void aFailureIsRetriedOnlyWhileAttemptsAreLeft() {
    // given
    RetryPolicy p = policy(3, 0.0);

    // when / then
    assertThat(p.allowsRetry(1, "http.5xx", true)).isTrue();
    assertThat(p.allowsRetry(2, "http.5xx", true)).isTrue();
    assertThat(p.allowsRetry(3, "http.5xx", true)).isFalse();
  }

  @Test
  void theDefaultIsASingleAttempt() {
    assertThat(RetryPolicy.NONE.maxAttempts()).isEqualTo(1);
    assertThat(RetryPolicy.NONE.allowsRetry(1, "http.5xx", true)).isFalse();
  }

  @Test
  void aNonRetryableCodeOrAPermanentErrorIsNeverRetried() {
    // given
    RetryPolicy p = policy(5, 0.0, "http.4xx");

    // when / then
    assertThat(p.allowsRetry(1, "http.4xx", true)).isFalse();
    assertThat(p.allowsRetry(1, "http.5xx", false)).isFalse();
    assertThat(p.allowsRetry(1, "http.5xx", true)).isTrue();
  }
}
