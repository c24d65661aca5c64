package io.sluice.definition;

import io.sluice.core.expr.Template;
import java.time.Duration;

/**
 * A workflow's {@code rateLimit} (SPEC §2): at most {@code limit} starts by events per {@code
 * period} and per value of {@code key} (evaluated with {@code event} and {@code input}; null: one
 * limit for the whole workflow).
 */
public record RateLimit(int limit, Duration period, Template key) {
  /** The most starts a window may count: each counted event's identity is kept in its window. */
  public static final int MAX_LIMIT = 10_000;
}
