package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.core.problem.ProblemException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The pattern index against brute force: random patterns using every operator, {@code $or} at any
 * level, nested objects and nested patterns over arrays of objects, and random events whose values
 * are drawn from the same small vocabulary (so that they often pass and often just miss: a prefix
 * one character short, a number on a bound, a string that differs only in case, an array around the
 * value, an object where a scalar is expected). {@link PatternIndex#matching} must return exactly
 * the patterns that match when each one is evaluated on its own. Seeded: a failure names its seed
 * and reproduces.
 */
class PatternIndexDifferentialTest {
  private static final int INDEXES = 60;
  private static final int PATTERNS_PER_INDEX = 120;
  private static final int EVENTS_PER_INDEX = 80;

  private static final String[] STRINGS = {
    "", "a", "ab", "abc", "abcab", "b", "bc", "Ab", "AB", "aB", "straße", "STRASSE", "x.y", "a*b",
    "ﬁ", "FI", "k"
  };
  private static final Object[] NUMBERS = {
    0L, 1L, -1L, 2.5, 3L, 5.0, -0.0, 1e20, 100L, Long.MAX_VALUE, 9007199254740993L, 99.99
  };
  private static final String[] WILDCARDS = {
    "a*", "*b", "a*b", "*", "ab", "*b*", "a\\*b", "a\\\\*", "x.*", "*c", "A*", "st*e"
  };
  private static final String[] DATA_FIELDS = {"a", "b", "c", "n", "o", "arr"};
  private static final String[] ROOT_FIELDS = {"source", "subject", "ext1", "data", "data"};

  @Test
  void theIndexGivesExactlyTheVerdictsOfEvaluatingEveryPattern() {
    long verdicts = 0;
    long matches = 0;
    long candidates = 0;
    for (int seed = 0; seed < INDEXES; seed++) {
      // given: random patterns in one index
      Random random = new Random(seed);
      List<EventPattern> patterns = new ArrayList<>();
      while (patterns.size() < PATTERNS_PER_INDEX) {
        try {
          patterns.add(EventPattern.compile(Json.normalize(pattern(random, 0))));
        } catch (ProblemException invalid) {
          // e.g. a numeric range drawn empty: draw another
        }
      }
      PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);

      for (int e = 0; e < EVENTS_PER_INDEX; e++) {
        CloudEvent event = event(random, e);

        // when
        List<EventPattern> matching = index.matching(event);

        // then
        List<EventPattern> expected = bruteForce(patterns, event);
        assertThat(matching)
            .as("seed %d, event %s, index %s", seed, event.toMap(), index.layout())
            .isEqualTo(expected);
        verdicts += patterns.size();
        matches += expected.size();
        candidates += index.candidateCount(event);
      }
    }
    // the test means something only if patterns do match, and the index does prune
    assertThat(matches).as("matches").isGreaterThan(verdicts / 50);
    assertThat(candidates).as("candidates evaluated").isLessThan(verdicts / 2);
  }

  private static List<EventPattern> bruteForce(List<EventPattern> patterns, CloudEvent event) {
    Map<String, Object> structured = event.toMap();
    List<EventPattern> out = new ArrayList<>();
    for (EventPattern p : patterns) {
      boolean onMap = p.matches(structured);
      assertThat(p.matches(event)).as("the record and the map agree on %s", p).isEqualTo(onMap);
      if (onMap) {
        out.add(p);
      }
    }
    return out;
  }

  // --- patterns

  private static Map<String, Object> pattern(Random r, int depth) {
    Map<String, Object> out = new LinkedHashMap<>();
    int fields = 1 + r.nextInt(depth == 0 ? 3 : 2);
    for (int i = 0; i < fields; i++) {
      String field = pick(r, ROOT_FIELDS);
      out.put(field, field.equals("data") ? data(r, depth) : leaf(r));
    }
    if (depth < 2 && r.nextInt(6) == 0) {
      out.put("$or", alternatives(r, depth, true));
    }
    return out;
  }

  private static Map<String, Object> data(Random r, int depth) {
    Map<String, Object> out = new LinkedHashMap<>();
    int fields = 1 + r.nextInt(3);
    for (int i = 0; i < fields; i++) {
      String field = pick(r, DATA_FIELDS);
      if (field.equals("o") || field.equals("arr")) {
        out.put(field, nested(r, depth));
      } else {
        out.put(field, leaf(r));
      }
    }
    if (depth < 2 && r.nextInt(8) == 0) {
      out.put("$or", alternatives(r, depth, false));
    }
    return out;
  }

  /** A nested pattern (over an object, or over an array of objects: one element must match). */
  private static Map<String, Object> nested(Random r, int depth) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("k", leaf(r));
    if (r.nextBoolean()) {
      out.put("j", leaf(r));
    }
    if (depth < 2 && r.nextInt(8) == 0) {
      out.put(
          "$or",
          List.of(Map.of("k", leaf(r)), Map.of("j", leaf(r)), Map.of("k", leaf(r), "j", leaf(r))));
    }
    return out;
  }

  private static List<Object> alternatives(Random r, int depth, boolean root) {
    List<Object> out = new ArrayList<>();
    int n = 2 + r.nextInt(2);
    for (int i = 0; i < n; i++) {
      out.add(root ? pattern(r, depth + 1) : data(r, depth + 1));
    }
    return out;
  }

  private static List<Object> leaf(Random r) {
    List<Object> out = new ArrayList<>();
    int n = 1 + (r.nextInt(3) == 0 ? 1 + r.nextInt(2) : 0);
    for (int i = 0; i < n; i++) {
      out.add(alternative(r));
    }
    return out;
  }

  private static Object alternative(Random r) {
    switch (r.nextInt(16)) {
      case 0:
      case 1:
        return pick(r, STRINGS);
      case 2:
        return pick(r, NUMBERS);
      case 3:
        return r.nextInt(3) == 0 ? null : r.nextBoolean();
      case 4:
        return Map.of("prefix", pick(r, STRINGS));
      case 5:
        return Map.of("prefix", Map.of("equals-ignore-case", pick(r, STRINGS)));
      case 6:
        return Map.of("suffix", pick(r, STRINGS));
      case 7:
        return Map.of("suffix", Map.of("equals-ignore-case", pick(r, STRINGS)));
      case 8:
        return Map.of("equals-ignore-case", pick(r, STRINGS));
      case 9:
        return Map.of("wildcard", pick(r, WILDCARDS));
      case 10:
        return Map.of("numeric", numeric(r));
      case 11:
        return Map.of("numeric", numeric(r));
      case 12:
        return Map.of("exists", r.nextInt(3) > 0);
      default:
        return Map.of("anything-but", anythingBut(r));
    }
  }

  private static List<Object> numeric(Random r) {
    double a = number(r);
    double b = number(r);
    switch (r.nextInt(4)) {
      case 0:
        return List.of("=", a);
      case 1:
        return List.of(r.nextBoolean() ? ">" : ">=", a);
      case 2:
        return List.of(r.nextBoolean() ? "<" : "<=", a);
      default:
        return List.of(
            r.nextBoolean() ? ">" : ">=",
            Math.min(a, b),
            r.nextBoolean() ? "<" : "<=",
            Math.max(a, b)); // invalid when a == b: drawn again
    }
  }

  private static double number(Random r) {
    return ((Number) pick(r, NUMBERS)).doubleValue() + (r.nextInt(4) == 0 ? 0.5 : 0);
  }

  private static Object anythingBut(Random r) {
    switch (r.nextInt(5)) {
      case 0:
        return pick(r, STRINGS);
      case 1:
        return List.of(pick(r, STRINGS), pick(r, STRINGS));
      case 2:
        return List.of(pick(r, NUMBERS), pick(r, NUMBERS));
      case 3:
        return Map.of("prefix", "a");
      default:
        return Map.of(r.nextBoolean() ? "suffix" : "equals-ignore-case", "b");
    }
  }

  // --- events

  @SuppressWarnings("unchecked")
  private static CloudEvent event(Random r, int i) {
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("specversion", "1.0");
    event.put("id", "e-" + i);
    event.put("type", "t");
    event.put("source", pick(r, STRINGS));
    if (r.nextBoolean()) {
      event.put("subject", pick(r, STRINGS));
    }
    if (r.nextBoolean()) {
      Object ext = value(r, 1);
      event.put("ext1", ext == null ? "k" : ext); // an extension is never null
    }
    if (r.nextInt(10) > 0) {
      Map<String, Object> data = new LinkedHashMap<>();
      for (String field : DATA_FIELDS) {
        if (r.nextInt(5) > 0) {
          data.put(field, field.equals("o") || field.equals("arr") ? objects(r) : value(r, 0));
        }
      }
      event.put("data", data);
    } else if (r.nextBoolean()) {
      event.put("data", value(r, 0)); // data that is not an object
    }
    return CloudEvent.fromMap((Map<String, Object>) Json.normalize(event));
  }

  private static Object objects(Random r) {
    switch (r.nextInt(5)) {
      case 0:
        return value(r, 1);
      case 1:
        return object(r);
      default:
        List<Object> out = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          out.add(r.nextInt(5) == 0 ? value(r, 1) : object(r));
        }
        return out;
    }
  }

  private static Map<String, Object> object(Random r) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (r.nextInt(4) > 0) {
      out.put("k", value(r, 1));
    }
    if (r.nextBoolean()) {
      out.put("j", value(r, 1));
    }
    return out;
  }

  /** A scalar, or sometimes an array of them (maybe nested, maybe empty) or an object. */
  private static Object value(Random r, int depth) {
    int kind = r.nextInt(depth > 1 ? 6 : 9);
    switch (kind) {
      case 0:
      case 1:
      case 2:
        return pick(r, STRINGS);
      case 3:
      case 4:
        return pick(r, NUMBERS);
      case 5:
        return r.nextInt(3) == 0 ? null : r.nextBoolean();
      case 6:
      case 7:
        List<Object> list = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          list.add(value(r, depth + 1));
        }
        return list;
      default:
        return Map.of("k", pick(r, STRINGS));
    }
  }

  private static <T> T pick(Random r, T[] values) {
    return values[r.nextInt(values.length)];
  }
}
