package io.sluice.router.pattern;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The operators of the pattern language, one small immutable class each. */
final class ValueTests {
  private ValueTests() {}

  static String quote(String s) {
    return JsonValues.describe(s);
  }

  /** {@code {"prefix": "ord-"}}, or {@code {"prefix": {"equals-ignore-case": "ORD-"}}}. */
  static final class Prefix implements ValueTest {
    private final String prefix;
    private final boolean ignoreCase;
    private final String wanted;

    Prefix(String prefix, boolean ignoreCase) {
      this.prefix = prefix;
      this.ignoreCase = ignoreCase;
      this.wanted = ignoreCase ? JsonValues.fold(prefix) : prefix;
    }

    @Override
    public boolean test(Object scalar) {
      if (!(scalar instanceof String s)) {
        return false;
      }
      return (ignoreCase ? JsonValues.fold(s) : s).startsWith(wanted);
    }

    @Override
    public IndexAtom atom(List<String> path) {
      return new IndexAtom.Affix(path, wanted, false, ignoreCase);
    }

    @Override
    public void encode(CompactPatterns.Writer w) {
      w.affix(CompactPatterns.PREFIX, ignoreCase, wanted, this);
    }

    @Override
    public String describe() {
      return "prefix " + quote(prefix) + (ignoreCase ? " (ignoring case)" : "");
    }
  }

  /** {@code {"suffix": ".png"}}, or {@code {"suffix": {"equals-ignore-case": ".PNG"}}}. */
  static final class Suffix implements ValueTest {
    private final String suffix;
    private final boolean ignoreCase;
    private final String wanted;

    Suffix(String suffix, boolean ignoreCase) {
      this.suffix = suffix;
      this.ignoreCase = ignoreCase;
      this.wanted = ignoreCase ? JsonValues.fold(suffix) : suffix;
    }

    @Override
    public boolean test(Object scalar) {
      if (!(scalar instanceof String s)) {
        return false;
      }
      return (ignoreCase ? JsonValues.fold(s) : s).endsWith(wanted);
    }

    @Override
    public IndexAtom atom(List<String> path) {
      return new IndexAtom.Affix(path, wanted, true, ignoreCase);
    }

    @Override
    public void encode(CompactPatterns.Writer w) {
      w.affix(CompactPatterns.SUFFIX, ignoreCase, wanted, this);
    }

    @Override
    public String describe() {
      return "suffix " + quote(suffix) + (ignoreCase ? " (ignoring case)" : "");
    }
  }

  /** {@code {"equals-ignore-case": "EU"}}. */
  static final class EqualsIgnoreCase implements ValueTest {
    private final String value;
    private final String wanted;

    EqualsIgnoreCase(String value) {
      this.value = value;
      this.wanted = JsonValues.fold(value);
    }

    @Override
    public boolean test(Object scalar) {
      return scalar instanceof String s && JsonValues.fold(s).equals(wanted);
    }

    @Override
    public IndexAtom atom(List<String> path) {
      return new IndexAtom.Folded(path, wanted);
    }

    @Override
    public void encode(CompactPatterns.Writer w) {
      w.affix(CompactPatterns.FOLDED, true, wanted, this);
    }

    @Override
    public String describe() {
      return quote(value) + " (ignoring case)";
    }
  }

  /** {@code {"wildcard": "order.*.eu"}}. */
  record WildcardTest(Wildcard wildcard) implements ValueTest {
    @Override
    public boolean test(Object scalar) {
      return scalar instanceof String s && wildcard.matches(s);
    }

    @Override
    public IndexAtom atom(List<String> path) {
      return wildcard.atom(path);
    }

    @Override
    public String describe() {
      return "wildcard " + quote(wildcard.source());
    }
  }

  /** {@code {"numeric": [">", 0, "<=", 5]}} and {@code {"numeric": ["=", 5]}}. */
  record Numeric(NumericRange range) implements ValueTest {
    @Override
    public boolean test(Object scalar) {
      return scalar instanceof Number n && range.contains(n);
    }

    @Override
    public IndexAtom atom(List<String> path) {
      return new IndexAtom.Range(path, range.lowest(), range.highest());
    }

    @Override
    public void encode(CompactPatterns.Writer w) {
      range.encode(w);
    }

    @Override
    public String describe() {
      return "numeric " + range;
    }
  }

  /**
   * {@code {"anything-but": "x"}} or {@code {"anything-but": ["x", "y"]}}: any value that is not
   * one of these, of any type ({@code null} and numbers pass an anything-but of strings).
   */
  record AnythingButValues(Set<Object> keys, List<Object> shown) implements ValueTest {
    @Override
    public boolean test(Object scalar) {
      return !keys.contains(JsonValues.key(scalar));
    }

    @Override
    public void encode(CompactPatterns.Writer w) {
      w.anythingBut(keys, this);
    }

    @Override
    public String describe() {
      if (shown.size() == 1) {
        return "anything but " + JsonValues.describe(shown.get(0));
      }
      return "anything but one of "
          + shown.stream().map(JsonValues::describe).collect(Collectors.joining(", "));
    }
  }

  /**
   * {@code {"anything-but": {"prefix"|"suffix"|"equals-ignore-case"|"wildcard": s or [s...]}}}: any
   * value but a string that passes one of the inner tests (a number, a boolean or {@code null} is
   * never such a string, so it passes).
   */
  record AnythingButStrings(List<ValueTest> inner, String operator) implements ValueTest {
    @Override
    public boolean test(Object scalar) {
      if (!(scalar instanceof String)) {
        return true;
      }
      for (ValueTest t : inner) {
        if (t.test(scalar)) {
          return false;
        }
      }
      return true;
    }

    @Override
    public String describe() {
      return "anything but "
          + inner.stream().map(ValueTest::describe).collect(Collectors.joining(" or "));
    }
  }
}
