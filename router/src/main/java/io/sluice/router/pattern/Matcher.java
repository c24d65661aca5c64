package io.sluice.router.pattern;

/**
 * A compiled part of a pattern, applied to one value of the event (a scalar, an object, an array or
 * {@link JsonValues#MISSING}). Immutable and thread-safe.
 */
interface Matcher {
  boolean test(Object value);

  /** Null when {@link #test} is true; otherwise why not. {@code path} locates the value. */
  Mismatch explain(Object value, String path);

  /** Appends its node to a {@link CompactPatterns} being built. */
  void encode(CompactPatterns.Writer w);

  /** Relative evaluation cost, to test cheap fields first (order never changes the verdict). */
  int cost();
}
