package io.sluice.definition;

import io.sluice.core.problem.Problem;
import java.util.Comparator;

/**
 * Orders problems by their JSON Pointer, token by token, array indexes numerically (so {@code
 * /steps/2} comes before {@code /steps/10}); a parent before its children. Stable for equal
 * pointers, so problems at one place keep the order they were found in.
 */
enum PointerOrder implements Comparator<Problem> {
  INSTANCE;

  @Override
  public int compare(Problem a, Problem b) {
    String[] x = a.pointer().split("/", -1);
    String[] y = b.pointer().split("/", -1);
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c = compareToken(x[i], y[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  private static int compareToken(String x, String y) {
    boolean xIndex = isIndex(x);
    boolean yIndex = isIndex(y);
    if (xIndex && yIndex) {
      return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
    }
    return x.compareTo(y);
  }

  private static boolean isIndex(String token) {
    return !token.isEmpty() && token.length() < 10 && token.chars().allMatch(Character::isDigit);
  }
}
