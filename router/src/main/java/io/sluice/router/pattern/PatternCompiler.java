package io.sluice.router.pattern;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a pattern (normalized JSON) into matchers, collecting every problem on the way, each at
 * a JSON Pointer into the pattern. One instance per compilation.
 */
final class PatternCompiler {
  static final String OPERATORS =
      "prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists";
  private static final String EXAMPLE = "{\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}}";

  private final String base;
  private final List<Problem> problems = new ArrayList<>();

  PatternCompiler(String basePointer) {
    this.base = basePointer;
  }

  List<Problem> problems() {
    return problems;
  }

  private void problem(String pointer, String message) {
    problems.add(Problem.at(base + pointer, message));
  }

  /** The root: fields are CloudEvent attributes, extensions and {@code data}. */
  ObjectMatcher root(Object pattern) {
    if (!(pattern instanceof Map<?, ?>)) {
      problem(
          "",
          "expected a pattern object such as " + EXAMPLE + ", but got " + Json.typeName(pattern));
      return null;
    }
    return object(pattern, "", true);
  }

  private ObjectMatcher object(Object node, String pointer, boolean root) {
    Map<?, ?> map = (Map<?, ?>) node;
    if (map.isEmpty()) {
      problem(pointer, "expected at least one field to match, but the object is empty");
      return null;
    }
    List<ObjectMatcher.Field> fields = new ArrayList<>();
    List<ObjectMatcher> or = null;
    boolean ok = true;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      String name = String.valueOf(entry.getKey());
      Object value = entry.getValue();
      String at = Problem.child(pointer, name);
      if (name.equals("$or")) {
        or = or(value, at, root);
        ok &= or != null;
        continue;
      }
      Matcher matcher;
      if (value instanceof Map<?, ?>) {
        matcher = object(value, at, false);
      } else if (value instanceof List<?> list) {
        matcher = leaf(list, at);
      } else {
        problem(
            at,
            "expected an array of values to match (write ["
                + JsonValues.describe(value)
                + "]) or an object of nested fields, but got "
                + Json.typeName(value));
        matcher = null;
      }
      if (matcher == null) {
        ok = false;
      } else {
        fields.add(new ObjectMatcher.Field(name, matcher, root ? EventAttributes.of(name) : -1));
      }
    }
    return ok ? new ObjectMatcher(fields, or, pointer) : null;
  }

  private List<ObjectMatcher> or(Object value, String pointer, boolean root) {
    if (!(value instanceof List<?> list) || list.size() < 2) {
      problem(
          pointer,
          "expected an array of at least 2 pattern objects (alternatives), but got "
              + (value instanceof List<?> l
                  ? l.size() + " element" + (l.size() == 1 ? "" : "s")
                  : Json.typeName(value)));
      return null;
    }
    List<ObjectMatcher> alternatives = new ArrayList<>();
    boolean ok = true;
    for (int i = 0; i < list.size(); i++) {
      Object element = list.get(i);
      String at = Problem.child(pointer, i);
      if (!(element instanceof Map<?, ?>)) {
        problem(at, "expected a pattern object, but got " + Json.typeName(element));
        ok = false;
        continue;
      }
      ObjectMatcher alternative = object(element, at, root);
      if (alternative == null) {
        ok = false;
      } else {
        alternatives.add(alternative);
      }
    }
    return ok ? alternatives : null;
  }

  private LeafMatcher leaf(List<?> values, String pointer) {
    if (values.isEmpty()) {
      problem(pointer, "expected at least one value to match, but the array is empty");
      return null;
    }
    List<Object> exact = new ArrayList<>();
    List<ValueTest> tests = new ArrayList<>();
    List<Object> alternatives = new ArrayList<>(); // described only when explaining
    boolean existsTrue = false;
    boolean existsFalse = false;
    boolean ok = true;
    for (int i = 0; i < values.size(); i++) {
      Object value = values.get(i);
      String at = Problem.child(pointer, i);
      if (value instanceof Map<?, ?> op) {
        if (op.size() != 1) {
          problem(
              at,
              op.isEmpty()
                  ? "expected an operator such as {\"prefix\": \"ord-\"}, but the object is empty"
                  : "expected exactly one operator per object (put alternatives side by side in"
                      + " the array), but got "
                      + op.size()
                      + ": "
                      + String.join(", ", keys(op)));
          ok = false;
          continue;
        }
        Map.Entry<?, ?> entry = op.entrySet().iterator().next();
        String name = String.valueOf(entry.getKey());
        Object arg = entry.getValue();
        String argAt = Problem.child(at, name);
        if (name.equals("exists")) {
          if (arg instanceof Boolean b) {
            existsTrue |= b;
            existsFalse |= !b;
            alternatives.add(b);
          } else {
            problem(argAt, "expected true or false, but got " + Json.typeName(arg));
            ok = false;
          }
          continue;
        }
        ValueTest test = operator(name, arg, at, argAt);
        if (test == null) {
          ok = false;
        } else {
          tests.add(test);
          alternatives.add(test);
        }
      } else if (value instanceof List<?>) {
        problem(
            at,
            "expected a string, number, boolean, null or an operator object such as"
                + " {\"prefix\": \"ord-\"}, but got an array");
        ok = false;
      } else {
        exact.add(JsonValues.key(value));
        alternatives.add(new LeafMatcher.Exact(value));
      }
    }
    if (!ok) {
      return null;
    }
    return new LeafMatcher(exact, tests, existsTrue, existsFalse, pointer, alternatives);
  }

  private ValueTest operator(String name, Object arg, String at, String argAt) {
    switch (name) {
      case "prefix":
      case "suffix":
        {
          Boolean ignoreCase = caseOption(name, arg, argAt);
          if (ignoreCase == null) {
            return null;
          }
          String text =
              ignoreCase ? (String) ((Map<?, ?>) arg).values().iterator().next() : (String) arg;
          return name.equals("prefix")
              ? new ValueTests.Prefix(text, ignoreCase)
              : new ValueTests.Suffix(text, ignoreCase);
        }
      case "equals-ignore-case":
        if (arg instanceof String s) {
          return new ValueTests.EqualsIgnoreCase(s);
        }
        problem(argAt, "expected a string, but got " + Json.typeName(arg));
        return null;
      case "wildcard":
        if (arg instanceof String s) {
          Wildcard w = Wildcard.parse(s, message -> problem(argAt, message));
          return w == null ? null : new ValueTests.WildcardTest(w);
        }
        problem(argAt, "expected a string such as \"order.*.eu\", but got " + Json.typeName(arg));
        return null;
      case "numeric":
        {
          NumericRange range = numeric(arg, argAt);
          return range == null ? null : new ValueTests.Numeric(range);
        }
      case "anything-but":
        return anythingBut(arg, argAt);
      default:
        problem(
            Problem.child(at, name),
            "expected one of the operators "
                + OPERATORS
                + ", but got "
                + JsonValues.describe(name));
        return null;
    }
  }

  /** For prefix/suffix: false for a string, true for {"equals-ignore-case": string}, else null. */
  private Boolean caseOption(String name, Object arg, String argAt) {
    if (arg instanceof String) {
      return false;
    }
    if (arg instanceof Map<?, ?> m
        && m.size() == 1
        && m.get("equals-ignore-case") instanceof String) {
      return true;
    }
    if (arg instanceof Map<?, ?> m && m.size() == 1 && m.containsKey("equals-ignore-case")) {
      problem(
          Problem.child(argAt, "equals-ignore-case"),
          "expected a string, but got " + Json.typeName(m.get("equals-ignore-case")));
      return null;
    }
    problem(
        argAt,
        "expected a string or {\"equals-ignore-case\": \"...\"} for "
            + name
            + ", but got "
            + (arg instanceof Map<?, ?> m
                ? "an object with " + String.join(", ", keys(m))
                : Json.typeName(arg)));
    return null;
  }

  private ValueTest anythingBut(Object arg, String at) {
    if (arg instanceof String || arg instanceof Number) {
      return new ValueTests.AnythingButValues(Set.of(JsonValues.key(arg)), List.of(arg));
    }
    if (arg instanceof List<?> list) {
      if (list.isEmpty()) {
        problem(at, "expected at least one value, but the array is empty");
        return null;
      }
      boolean strings = list.get(0) instanceof String;
      Set<Object> keys = new LinkedHashSet<>();
      boolean ok = true;
      for (int i = 0; i < list.size(); i++) {
        Object v = list.get(i);
        if (!(v instanceof String) && !(v instanceof Number)) {
          problem(
              Problem.child(at, i), "expected a string or a number, but got " + Json.typeName(v));
          ok = false;
        } else if ((v instanceof String) != strings) {
          problem(
              Problem.child(at, i),
              "expected only "
                  + (strings ? "strings" : "numbers")
                  + " (like the first value), but got "
                  + Json.typeName(v));
          ok = false;
        } else {
          keys.add(JsonValues.key(v));
        }
      }
      return ok ? new ValueTests.AnythingButValues(Set.copyOf(keys), List.copyOf(list)) : null;
    }
    if (arg instanceof Map<?, ?> m && m.size() == 1) {
      String name = String.valueOf(m.keySet().iterator().next());
      Object inner = m.values().iterator().next();
      String innerAt = Problem.child(at, name);
      if (!List.of("prefix", "suffix", "equals-ignore-case", "wildcard").contains(name)) {
        problem(
            innerAt,
            "expected one of prefix, suffix, equals-ignore-case, wildcard inside anything-but, but"
                + " got "
                + JsonValues.describe(name));
        return null;
      }
      List<?> texts = inner instanceof List<?> l ? l : List.of(inner == null ? List.of() : inner);
      if (inner == null || texts.isEmpty()) {
        problem(
            innerAt,
            "expected a string or a non-empty array of strings, but got "
                + (inner == null ? "null" : "an empty array"));
        return null;
      }
      List<ValueTest> tests = new ArrayList<>();
      boolean ok = true;
      for (int i = 0; i < texts.size(); i++) {
        Object t = texts.get(i);
        String tAt = inner instanceof List<?> ? Problem.child(innerAt, i) : innerAt;
        if (!(t instanceof String s)) {
          problem(tAt, "expected a string, but got " + Json.typeName(t));
          ok = false;
          continue;
        }
        ValueTest test = innerTest(name, s, tAt);
        if (test == null) {
          ok = false;
        } else {
          tests.add(test);
        }
      }
      return ok ? new ValueTests.AnythingButStrings(tests, name) : null;
    }
    problem(
        at,
        "expected a string, a number, an array of strings or of numbers, or an object such as"
            + " {\"prefix\": \"test-\"}, but got "
            + (arg instanceof Map<?, ?> m
                ? "an object with " + m.size() + " fields"
                : Json.typeName(arg)));
    return null;
  }

  private ValueTest innerTest(String name, String s, String at) {
    switch (name) {
      case "prefix":
      case "suffix":
        if (s.isEmpty()) {
          problem(
              at,
              "expected a non-empty "
                  + name
                  + " (every string has the empty one), but it is empty");
          return null;
        }
        return name.equals("prefix")
            ? new ValueTests.Prefix(s, false)
            : new ValueTests.Suffix(s, false);
      case "equals-ignore-case":
        return new ValueTests.EqualsIgnoreCase(s);
      default:
        Wildcard w = Wildcard.parse(s, message -> problem(at, message));
        return w == null ? null : new ValueTests.WildcardTest(w);
    }
  }

  private NumericRange numeric(Object arg, String at) {
    String example = "such as [\">\", 0, \"<=\", 5] or [\"=\", 5]";
    if (!(arg instanceof List<?> list)) {
      problem(at, "expected an array " + example + ", but got " + Json.typeName(arg));
      return null;
    }
    if (list.isEmpty()) {
      problem(at, "expected an array " + example + ", but it is empty");
      return null;
    }
    if (list.size() > 4) {
      problem(
          at,
          "expected at most a lower and an upper bound (4 elements), but got "
              + list.size()
              + " elements");
      return null;
    }
    boolean ok = true;
    Double equal = null;
    Double lower = null;
    Double upper = null;
    boolean lowerInclusive = false;
    boolean upperInclusive = false;
    String lowerOp = null;
    String upperOp = null;
    for (int i = 0; i < list.size(); i += 2) {
      Object op = list.get(i);
      String opAt = Problem.child(at, i);
      if (!(op instanceof String o) || !List.of("=", "<", "<=", ">", ">=").contains(o)) {
        problem(
            opAt,
            "expected one of \"=\", \"<\", \"<=\", \">\", \">=\", but got "
                + JsonValues.describe(op));
        ok = false;
        continue;
      }
      Object v = i + 1 < list.size() ? list.get(i + 1) : JsonValues.MISSING;
      if (!(v instanceof Number n)) {
        problem(
            Problem.child(at, i + 1),
            "expected a number after \""
                + o
                + "\", but "
                + (v == JsonValues.MISSING ? "it is missing" : "got " + Json.typeName(v)));
        ok = false;
        continue;
      }
      double d = n.doubleValue();
      if (o.equals("=")) {
        if (list.size() > 2) {
          problem(
              opAt,
              "expected \"=\" alone (it fixes the value), but it is combined with another bound");
          ok = false;
        }
        equal = d;
      } else if (o.startsWith(">")) {
        if (lower != null) {
          problem(
              opAt,
              "expected an upper bound (\"<\" or \"<=\") after the lower bound "
                  + lowerOp
                  + ", but got \""
                  + o
                  + "\"");
          ok = false;
        }
        lower = d;
        lowerInclusive = o.equals(">=");
        lowerOp = o;
      } else {
        if (upper != null) {
          problem(
              opAt,
              "expected a lower bound (\">\" or \">=\") after the upper bound "
                  + upperOp
                  + ", but got \""
                  + o
                  + "\"");
          ok = false;
        }
        upper = d;
        upperInclusive = o.equals("<=");
        upperOp = o;
      }
    }
    if (!ok) {
      return null;
    }
    if (equal != null) {
      return NumericRange.equalTo(equal);
    }
    if (lower != null && upper != null && lower >= upper) {
      NumericRange shown =
          NumericRange.between(true, lower, lowerInclusive, true, upper, upperInclusive);
      problem(
          at,
          "expected the lower bound to be less than the upper bound, but got "
              + shown
              + (lower.equals(upper)
                  ? " (for a single value, write [\"=\", " + NumericRange.format(lower) + "])"
                  : ""));
      return null;
    }
    return NumericRange.between(
        lower != null,
        lower == null ? 0 : lower,
        lowerInclusive,
        upper != null,
        upper == null ? 0 : upper,
        upperInclusive);
  }

  private static List<String> keys(Map<?, ?> map) {
    List<String> out = new ArrayList<>();
    map.keySet().forEach(k -> out.add(String.valueOf(k)));
    return out;
  }
}
