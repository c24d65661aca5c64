package io.sluice.router.pattern;

import java.util.List;

/**
 * What a leaf alternative requires of one scalar at a path, in a form {@link AtomIndex} can look
 * up: an exact key, a case-folded string, a prefix or suffix, a numeric interval, or just a scalar
 * being there. An atom is implied by its alternative (every scalar the alternative accepts passes
 * the atom; the atom may accept more), so filing a pattern under its atoms only ever prunes.
 *
 * <p>{@link #selectivity} is a guess of the share of events whose scalar passes, from the shape of
 * the operator alone (the index sees no event statistics): it only decides where a pattern is
 * filed, never a verdict.
 */
sealed interface IndexAtom {
  double EXACT = 0.02;
  double FOLDED = 0.03;
  double EQUAL_NUMBER = 0.02;
  double RANGE = 0.25;
  double HALF_RANGE = 0.5;
  double EXISTS = 0.8;

  /** Field names from the top of the event: {@code [data, customer, tier]}. */
  List<String> path();

  double selectivity();

  /** The scalar's key ({@link JsonValues#key}) equals {@code key}. */
  record Exact(List<String> path, Object key) implements IndexAtom {
    @Override
    public double selectivity() {
      return EXACT;
    }
  }

  /** The scalar is a string whose {@link JsonValues#fold} equals {@code folded}. */
  record Folded(List<String> path, String folded) implements IndexAtom {
    @Override
    public double selectivity() {
      return FOLDED;
    }
  }

  /**
   * The scalar is a string that starts (or, for a suffix, ends) with {@code text}; when {@code
   * folded}, its {@link JsonValues#fold} does (and {@code text} is folded already).
   */
  record Affix(List<String> path, String text, boolean suffix, boolean folded)
      implements IndexAtom {
    /** A longer affix is rarer: 0.6 per character, at least {@link #EXACT}; an empty one is 1. */
    @Override
    public double selectivity() {
      return Math.max(EXACT, Math.pow(0.6, text.length()));
    }
  }

  /**
   * The scalar is a number within {@code [lower, upper]} (both inclusive, infinite when unbounded:
   * a superset of an exclusive bound), compared as doubles like {@link NumericRange}.
   */
  record Range(List<String> path, double lower, double upper) implements IndexAtom {
    @Override
    public double selectivity() {
      if (lower == upper) {
        return EQUAL_NUMBER;
      }
      return Double.isInfinite(lower) || Double.isInfinite(upper) ? HALF_RANGE : RANGE;
    }
  }

  /** There is a scalar at the path ({@code null} counts). */
  record Exists(List<String> path) implements IndexAtom {
    @Override
    public double selectivity() {
      return EXISTS;
    }
  }
}
