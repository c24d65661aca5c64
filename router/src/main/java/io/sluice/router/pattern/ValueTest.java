package io.sluice.router.pattern;

/**
 * One alternative of a leaf, tested against one scalar of the event (a string, a number, a boolean
 * or {@code null}; never an object or array: those are flattened or skipped before).
 * Implementations are immutable.
 */
interface ValueTest {
  boolean test(Object scalar);

  /**
   * Appends its test to a {@link CompactPatterns} being built; by default a reference to itself,
   * tested as it is.
   */
  default void encode(CompactPatterns.Writer w) {
    w.other(this);
  }

  /** What it expects, as the user would write it in prose: {@code prefix "ord-"}. */
  String describe();

  /**
   * What every scalar it accepts at {@code path} has in common, for {@link PatternIndex}; null when
   * it accepts scalars no atom can describe (anything-but, a wildcard without literal ends).
   */
  default IndexAtom atom(java.util.List<String> path) {
    return null;
  }
}
