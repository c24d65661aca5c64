package io.sluice.router.pattern;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A leaf of a pattern: an array of alternatives, ORed. The event value matches when any of its
 * scalars passes any alternative (an array in the event is flattened; objects in it are not
 * scalars). {@code exists} looks at whether there is any scalar at all: an object or an empty array
 * has none, so {@code {"exists": true}} fails on them, and {@code null} is a scalar.
 */
final class LeafMatcher implements Matcher {
  private static final int SET_THRESHOLD = 4;

  private final Object[] exactKeys; // small: linear scan
  private final Set<Object> exactSet; // large: hashed (null when small)
  private final ValueTest[] tests;
  private final boolean existsTrue;
  private final boolean existsFalse;
  private final String patternPointer;
  private final List<Object> alternatives; // in the pattern's order: Exact, ValueTest, Boolean

  /** An exact value, as the user wrote it (for explanations). */
  record Exact(Object value) {}

  LeafMatcher(
      List<Object> exactKeys,
      List<ValueTest> tests,
      boolean existsTrue,
      boolean existsFalse,
      String patternPointer,
      List<Object> alternatives) {
    this.exactKeys = exactKeys.toArray();
    this.exactSet = exactKeys.size() >= SET_THRESHOLD ? new HashSet<>(exactKeys) : null;
    this.tests = tests.toArray(ValueTest[]::new);
    this.existsTrue = existsTrue;
    this.existsFalse = existsFalse;
    this.patternPointer = patternPointer;
    this.alternatives = List.copyOf(alternatives);
  }

  /**
   * One atom per alternative (exact keys, then operators), for {@link PatternIndex}: the leaf
   * cannot pass without a scalar at {@code path} that passes one of them. Null when that does not
   * hold ({@code exists: false}, or an operator without an atom such as anything-but); just the
   * {@link IndexAtom.Exists} atom when the leaf has {@code exists: true}, which the others imply.
   */
  List<IndexAtom> atoms(List<String> path) {
    if (existsFalse) {
      return null;
    }
    if (existsTrue) {
      return List.of(new IndexAtom.Exists(path));
    }
    List<IndexAtom> out = new java.util.ArrayList<>(exactKeys.length + tests.length);
    for (Object key : exactKeys) {
      out.add(new IndexAtom.Exact(path, key));
    }
    for (ValueTest t : tests) {
      IndexAtom atom = t.atom(path);
      if (atom == null) {
        return null;
      }
      out.add(atom);
    }
    return out;
  }

  @Override
  public void encode(CompactPatterns.Writer w) {
    int at = w.begin(true);
    w.leafFlags(existsTrue, existsFalse);
    w.code.add(exactKeys.length);
    w.code.add(tests.length);
    for (Object key : exactKeys) {
      w.exact(key);
    }
    for (ValueTest t : tests) {
      t.encode(w);
    }
    w.end(at);
  }

  @Override
  public int cost() {
    return tests.length == 0 ? 1 : 2 + tests.length;
  }

  @Override
  public boolean test(Object value) {
    if (value == JsonValues.MISSING) {
      return existsFalse;
    }
    List<?> list = JsonValues.array(value);
    if (list != null) {
      int scalars = testList(list);
      if (scalars < 0) {
        return true;
      }
      return scalars > 0 ? existsTrue : existsFalse;
    }
    if (JsonValues.object(value) != null) {
      return existsFalse;
    }
    return existsTrue || testScalar(value);
  }

  /** -1 when a scalar of the (nested) array matched; otherwise the number of scalars seen. */
  private int testList(List<?> list) {
    int scalars = 0;
    for (Object element : list) {
      List<?> inner = JsonValues.array(element);
      if (inner != null) {
        int n = testList(inner);
        if (n < 0) {
          return -1;
        }
        scalars += n;
      } else if (JsonValues.object(element) == null) {
        scalars++;
        if (testScalar(element)) {
          return -1;
        }
      }
    }
    return scalars;
  }

  private boolean testScalar(Object scalar) {
    if (exactKeys.length > 0) {
      Object key = JsonValues.key(scalar);
      if (exactSet != null) {
        if (exactSet.contains(key)) {
          return true;
        }
      } else {
        for (Object k : exactKeys) {
          if (k.equals(key)) {
            return true;
          }
        }
      }
    }
    for (ValueTest t : tests) {
      if (t.test(scalar)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Mismatch explain(Object value, String path) {
    if (test(value)) {
      return null;
    }
    List<String> descriptions = new java.util.ArrayList<>();
    for (Object alternative : alternatives) {
      descriptions.add(describe(alternative));
    }
    String expected =
        descriptions.size() == 1
            ? descriptions.get(0)
            : "one of: " + String.join(", ", descriptions);
    return Mismatch.of(path, patternPointer, expected, JsonValues.actual(value));
  }

  private static String describe(Object alternative) {
    if (alternative instanceof Exact exact) {
      return JsonValues.describe(exact.value());
    }
    if (alternative instanceof ValueTest test) {
      return test.describe();
    }
    return Boolean.TRUE.equals(alternative) ? "the field to exist" : "the field to be absent";
  }
}
