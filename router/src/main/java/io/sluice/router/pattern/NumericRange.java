package io.sluice.router.pattern;

/**
 * A {@code numeric} condition: {@code ["=", 5]}, or a lower and/or an upper bound ({@code [">", 0,
 * "<=", 5]}). Compared as doubles, so {@code 5} and {@code 5.0} are equal.
 */
final class NumericRange {
  private final boolean equality;
  private final double lower; // or the value of "="
  private final boolean hasLower;
  private final boolean lowerInclusive;
  private final double upper;
  private final boolean hasUpper;
  private final boolean upperInclusive;

  private NumericRange(
      boolean equality,
      double lower,
      boolean hasLower,
      boolean lowerInclusive,
      double upper,
      boolean hasUpper,
      boolean upperInclusive) {
    this.equality = equality;
    this.lower = lower;
    this.hasLower = hasLower;
    this.lowerInclusive = lowerInclusive;
    this.upper = upper;
    this.hasUpper = hasUpper;
    this.upperInclusive = upperInclusive;
  }

  static NumericRange equalTo(double value) {
    return new NumericRange(true, value, true, true, value, true, true);
  }

  /** Either bound may be absent (pass {@code hasX = false}); the caller checks lower < upper. */
  static NumericRange between(
      boolean hasLower,
      double lower,
      boolean lowerInclusive,
      boolean hasUpper,
      double upper,
      boolean upperInclusive) {
    return new NumericRange(
        false, lower, hasLower, lowerInclusive, upper, hasUpper, upperInclusive);
  }

  private static final int EQUALITY = 1;
  private static final int HAS_LOWER = 2;
  private static final int LOWER_INCLUSIVE = 4;
  private static final int HAS_UPPER = 8;
  private static final int UPPER_INCLUSIVE = 16;

  boolean contains(Number n) {
    return contains(flags(), lower, upper, n);
  }

  private int flags() {
    return (equality ? EQUALITY : 0)
        | (hasLower ? HAS_LOWER : 0)
        | (lowerInclusive ? LOWER_INCLUSIVE : 0)
        | (hasUpper ? HAS_UPPER : 0)
        | (upperInclusive ? UPPER_INCLUSIVE : 0);
  }

  /**
   * Appends it inline: its flags and bounds, for {@link #contains(int, double, double, Number)}.
   */
  void encode(CompactPatterns.Writer w) {
    w.numeric(flags(), lower, upper);
  }

  /** {@link #contains(Number)} of a range given by its flags and bounds (as {@link #encode}d). */
  static boolean contains(int flags, double lower, double upper, Number n) {
    double d = n.doubleValue();
    if ((flags & EQUALITY) != 0) {
      return d == lower;
    }
    if ((flags & HAS_LOWER) != 0 && ((flags & LOWER_INCLUSIVE) != 0 ? d < lower : d <= lower)) {
      return false;
    }
    return (flags & HAS_UPPER) == 0 || ((flags & UPPER_INCLUSIVE) != 0 ? d <= upper : d < upper);
  }

  /** The least value it may contain: its lower bound (inclusive or not), or -infinity. */
  double lowest() {
    return hasLower ? lower : Double.NEGATIVE_INFINITY;
  }

  /** The greatest value it may contain: its upper bound (inclusive or not), or +infinity. */
  double highest() {
    return hasUpper ? upper : Double.POSITIVE_INFINITY;
  }

  @Override
  public String toString() {
    if (equality) {
      return "= " + format(lower);
    }
    StringBuilder out = new StringBuilder();
    if (hasLower) {
      out.append(lowerInclusive ? ">= " : "> ").append(format(lower));
    }
    if (hasUpper) {
      if (hasLower) {
        out.append(" and ");
      }
      out.append(upperInclusive ? "<= " : "< ").append(format(upper));
    }
    return out.toString();
  }

  static String format(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }
}
