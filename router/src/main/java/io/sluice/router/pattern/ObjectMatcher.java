package io.sluice.router.pattern;

import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * An object of a pattern: every field must match (AND), and, when it has {@code $or}, at least one
 * of the alternatives too. Applied to an array, it matches when one element matches as a whole (so
 * two conditions are never satisfied by two different elements); applied to a scalar or to an empty
 * array, its fields are all missing.
 */
final class ObjectMatcher implements Matcher {
  private static final int EXPLAINED_ELEMENTS = 3;

  /** A field of the object: its name, its matcher, and its root attribute (root only). */
  record Field(String name, Matcher matcher, int attribute) {}

  // evaluation order, as parallel arrays: one object fewer to load per field on the hot path
  private final String[] names;
  private final Matcher[] matchers;
  private final int[] attributes;
  private final List<Field> inOrder; // the pattern's order, for explanations
  private final ObjectMatcher[] or; // null when there is no $or
  private final String patternPointer;
  private final int cost;

  ObjectMatcher(List<Field> fields, List<ObjectMatcher> or, String patternPointer) {
    this.inOrder = List.copyOf(fields);
    List<Field> sorted = new ArrayList<>(fields);
    sorted.sort(Comparator.comparingInt(f -> f.matcher().cost()));
    this.names = new String[sorted.size()];
    this.matchers = new Matcher[sorted.size()];
    this.attributes = new int[sorted.size()];
    for (int i = 0; i < sorted.size(); i++) {
      names[i] = sorted.get(i).name();
      matchers[i] = sorted.get(i).matcher();
      attributes[i] = sorted.get(i).attribute();
    }
    this.or = or == null || or.isEmpty() ? null : or.toArray(ObjectMatcher[]::new);
    this.patternPointer = patternPointer;
    int c = 1;
    for (Field f : fields) {
      c += f.matcher().cost();
    }
    if (this.or != null) {
      for (ObjectMatcher m : this.or) {
        c += m.cost();
      }
    }
    this.cost = c;
  }

  List<Field> fields() {
    return inOrder;
  }

  /** The alternatives of its {@code $or}; empty when it has none. */
  List<ObjectMatcher> alternatives() {
    return or == null ? List.of() : List.of(or);
  }

  @Override
  public int cost() {
    return cost;
  }

  @Override
  public boolean test(Object value) {
    Map<?, ?> map = JsonValues.object(value);
    if (map != null) {
      return testMap(map);
    }
    List<?> list = JsonValues.array(value);
    if (list != null && !list.isEmpty()) {
      for (Object element : list) {
        if (test(element)) {
          return true;
        }
      }
      return false;
    }
    return testMap(Map.of());
  }

  boolean testMap(Map<?, ?> map) {
    for (int i = 0; i < names.length; i++) {
      if (!matchers[i].test(JsonValues.field(map, names[i]))) {
        return false;
      }
    }
    return testOr(map);
  }

  @Override
  public void encode(CompactPatterns.Writer w) {
    int at = w.begin(false);
    w.code.add(names.length);
    w.code.add(or == null ? 0 : or.length);
    for (int i = 0; i < names.length; i++) {
      w.code.add(w.ref(names[i]));
      w.code.add(attributes[i]);
      matchers[i].encode(w);
    }
    if (or != null) {
      for (ObjectMatcher alternative : or) {
        alternative.encode(w);
      }
    }
    w.end(at);
  }

  private boolean testOr(Map<?, ?> map) {
    if (or == null) {
      return true;
    }
    for (ObjectMatcher alternative : or) {
      if (alternative.testMap(map)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Mismatch explain(Object value, String path) {
    if (value instanceof Map<?, ?> map) {
      return explainMap(map, path);
    }
    if (value instanceof List<?> list && !list.isEmpty()) {
      List<Mismatch> causes = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        Mismatch m = explain(list.get(i), Problem.child(path, i));
        if (m == null) {
          return null;
        }
        if (causes.size() < EXPLAINED_ELEMENTS) {
          causes.add(m);
        }
      }
      String actual =
          "none of its "
              + list.size()
              + " elements did"
              + (list.size() > EXPLAINED_ELEMENTS
                  ? " (the first " + EXPLAINED_ELEMENTS + " are explained)"
                  : "");
      return new Mismatch(
          path, patternPointer, "an element matching the nested pattern", actual, causes);
    }
    return explainMap(Map.of(), path);
  }

  Mismatch explainMap(Map<?, ?> map, String path) {
    for (Field f : inOrder) {
      Mismatch m =
          f.matcher().explain(JsonValues.field(map, f.name()), Problem.child(path, f.name()));
      if (m != null) {
        return m;
      }
    }
    if (or == null) {
      return null;
    }
    List<Mismatch> causes = new ArrayList<>();
    for (ObjectMatcher alternative : or) {
      Mismatch m = alternative.explainMap(map, path);
      if (m == null) {
        return null;
      }
      causes.add(m);
    }
    return new Mismatch(
        path,
        Problem.child(patternPointer, "$or"),
        "one of the " + or.length + " alternatives of $or to match",
        "none did",
        causes);
  }
}
