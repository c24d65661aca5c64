package io.sluice.router.pattern;

import java.util.ArrayList;
import java.util.List;

/**
 * A compiled {@code wildcard}: {@code *} matches any run of characters (also none), {@code \*} a
 * literal star and {@code \\} a literal backslash. Matching is linear in the value: the literal
 * pieces between stars are found left to right (the first and last are anchored), which is exact
 * for star-only globs.
 */
final class Wildcard {
  private final String source;
  private final String[] pieces; // literal text between stars; pieces.length == stars + 1
  private final int minLength;

  private Wildcard(String source, List<String> pieces) {
    this.source = source;
    this.pieces = pieces.toArray(String[]::new);
    int length = 0;
    for (String p : this.pieces) {
      length += p.length();
    }
    this.minLength = length;
  }

  String source() {
    return source;
  }

  /**
   * Parses a wildcard; returns null and reports through {@code problem} when it is invalid
   * (consecutive stars, or a backslash that escapes neither {@code *} nor {@code \}).
   */
  static Wildcard parse(String source, java.util.function.Consumer<String> problem) {
    List<String> pieces = new ArrayList<>();
    StringBuilder piece = new StringBuilder();
    for (int i = 0; i < source.length(); i++) {
      char c = source.charAt(i);
      if (c == '\\') {
        char next = i + 1 < source.length() ? source.charAt(i + 1) : 0;
        if (next != '*' && next != '\\') {
          problem.accept(
              "expected '\\' to escape '*' or '\\' (write \\\\* or \\\\\\\\), but got "
                  + JsonValues.describe(source)
                  + " with a lone '\\' at position "
                  + i);
          return null;
        }
        piece.append(next);
        i++;
      } else if (c == '*') {
        if (i > 0 && source.charAt(i - 1) == '*') {
          problem.accept(
              "expected no consecutive '*' (one matches any run of characters), but got "
                  + JsonValues.describe(source));
          return null;
        }
        pieces.add(piece.toString());
        piece.setLength(0);
      } else {
        piece.append(c);
      }
    }
    pieces.add(piece.toString());
    return new Wildcard(source, pieces);
  }

  /**
   * For {@link PatternIndex}: without a star, the exact string; otherwise the literal end, the last
   * piece if there is one (in {@code orders/*}{@code /eu} the part after the last star tells events
   * apart better than the namespace before the first), else the first; null for {@code *x*}.
   */
  IndexAtom atom(List<String> path) {
    if (pieces.length == 1) {
      return new IndexAtom.Exact(path, pieces[0]);
    }
    String last = pieces[pieces.length - 1];
    if (!last.isEmpty()) {
      return new IndexAtom.Affix(path, last, true, false);
    }
    return pieces[0].isEmpty() ? null : new IndexAtom.Affix(path, pieces[0], false, false);
  }

  boolean matches(String value) {
    if (pieces.length == 1) {
      return value.equals(pieces[0]);
    }
    if (value.length() < minLength) {
      return false;
    }
    String first = pieces[0];
    String last = pieces[pieces.length - 1];
    if (!value.startsWith(first) || !value.endsWith(last)) {
      return false;
    }
    int from = first.length();
    int end = value.length() - last.length();
    for (int i = 1; i < pieces.length - 1; i++) {
      String p = pieces[i];
      int at = value.indexOf(p, from);
      if (at < 0 || at + p.length() > end) {
        return false;
      }
      from = at + p.length();
    }
    return true;
  }
}
