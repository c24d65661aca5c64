package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A set of patterns arranged so that an event evaluates only the patterns it could match.
 *
 * <p>Most patterns pin some field to exact values ({@code "source": ["billing"]}, {@code "data":
 * {"tenant": ["acme"]}}). The index picks the path that the most patterns pin and hashes those
 * patterns by their values; an event looks its own value(s) at that path up and gets the few
 * candidates pinned to them. This is repeated for the rest (up to {@value #MAX_LEVELS} paths);
 * patterns that pin nothing are evaluated for every event. A candidate is then evaluated in full,
 * so the index only ever saves work and never changes a verdict.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> what a pattern belongs to (a trigger)
 */
public final class PatternIndex<T> {
  private static final int MAX_LEVELS = 3;
  private static final int MIN_PINNED = 2;
  private static final int[] NONE = new int[0];

  private final List<T> items;
  private final ObjectMatcher[] patterns; // the roots: one object fewer to load per candidate
  private final Level[] levels;
  private final int[] linear;

  /**
   * @param items in the order results are returned
   * @param patternOf an item's pattern; null matches every event
   */
  public PatternIndex(List<T> items, Function<? super T, EventPattern> patternOf) {
    this.items = List.copyOf(items);
    this.patterns = new ObjectMatcher[items.size()];
    List<List<EventPattern.EqualityCondition>> conditions = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      EventPattern pattern = patternOf.apply(items.get(i));
      patterns[i] = pattern == null ? null : pattern.root();
      conditions.add(pattern == null ? List.of() : pattern.equalityConditions());
    }
    boolean[] placed = new boolean[items.size()];
    List<Level> built = new ArrayList<>();
    while (built.size() < MAX_LEVELS) {
      Level level = bestLevel(conditions, placed);
      if (level == null) {
        break;
      }
      built.add(level);
    }
    this.levels = built.toArray(Level[]::new);
    int[] rest = new int[items.size()];
    int n = 0;
    for (int i = 0; i < placed.length; i++) {
      if (!placed[i]) {
        rest[n++] = i;
      }
    }
    this.linear = Arrays.copyOf(rest, n);
  }

  private static Level bestLevel(
      List<List<EventPattern.EqualityCondition>> conditions, boolean[] placed) {
    Map<List<String>, Integer> pinnedBy = new LinkedHashMap<>();
    for (int i = 0; i < conditions.size(); i++) {
      if (!placed[i]) {
        for (EventPattern.EqualityCondition c : conditions.get(i)) {
          pinnedBy.merge(c.path(), 1, Integer::sum);
        }
      }
    }
    List<String> best = null;
    int bestCount = MIN_PINNED - 1;
    for (Map.Entry<List<String>, Integer> e : pinnedBy.entrySet()) {
      if (e.getValue() > bestCount) {
        best = e.getKey();
        bestCount = e.getValue();
      }
    }
    if (best == null) {
      return null;
    }
    Map<Object, IntList> byKey = new HashMap<>();
    for (int i = 0; i < conditions.size(); i++) {
      if (placed[i]) {
        continue;
      }
      for (EventPattern.EqualityCondition c : conditions.get(i)) {
        if (c.path().equals(best)) {
          for (Object key : c.keys()) {
            byKey.computeIfAbsent(key, k -> new IntList()).add(i);
          }
          placed[i] = true;
        }
      }
    }
    Map<Object, int[]> frozen = new HashMap<>(byKey.size() * 2);
    byKey.forEach((k, v) -> frozen.put(k, v.toArray()));
    return new Level(best.toArray(String[]::new), EventAttributes.of(best.get(0)), frozen);
  }

  public int size() {
    return items.size();
  }

  /** The items whose pattern matches the event, in the order they were given. */
  public List<T> matching(CloudEvent event) {
    IntList candidates = new IntList();
    for (Level level : levels) {
      level.candidates(event, candidates);
    }
    candidates.addAll(linear);
    if (candidates.size == 0) {
      return List.of();
    }
    if (candidates.size > 1) {
      candidates.sortDistinct(); // the results keep the given order; an item may be hit twice
    }
    List<T> out = null;
    for (int i = 0; i < candidates.size; i++) {
      int ordinal = candidates.values[i];
      ObjectMatcher p = patterns[ordinal];
      if (p == null || p.testEvent(event)) {
        if (out == null) {
          out = new ArrayList<>(2);
        }
        out.add(items.get(ordinal));
      }
    }
    return out == null ? List.of() : out;
  }

  /** How the patterns are arranged: the indexed paths with their pattern counts, then the rest. */
  public String layout() {
    StringBuilder out = new StringBuilder();
    for (Level level : levels) {
      java.util.Set<Integer> pinned = new java.util.HashSet<>();
      for (int[] hits : level.byKey.values()) {
        for (int h : hits) {
          pinned.add(h);
        }
      }
      out.append('/').append(String.join("/", level.path)).append(": ").append(pinned.size());
      out.append(", ");
    }
    return out.append("unindexed: ").append(linear.length).toString();
  }

  /** One indexed path: the patterns pinning it, by value. */
  private static final class Level {
    final String[] path;
    final int attribute;
    final Map<Object, int[]> byKey;

    Level(String[] path, int attribute, Map<Object, int[]> byKey) {
      this.path = path;
      this.attribute = attribute;
      this.byKey = byKey;
    }

    void candidates(CloudEvent event, IntList out) {
      collect(EventAttributes.get(event, attribute, path[0]), 1, out);
    }

    /** Every scalar reachable at the path (arrays on the way are walked), looked up. */
    private void collect(Object value, int depth, IntList out) {
      if (value instanceof List<?> list) {
        for (Object element : list) {
          collect(element, depth, out);
        }
      } else if (value instanceof Map<?, ?> map) {
        if (depth < path.length) {
          collect(JsonValues.field(map, path[depth]), depth + 1, out);
        }
      } else if (depth == path.length && value != JsonValues.MISSING) {
        int[] hits = byKey.getOrDefault(JsonValues.key(value), NONE);
        out.addAll(hits);
      }
    }
  }

  /** A growable int array, to gather candidate positions without boxing. */
  private static final class IntList {
    int[] values = new int[8];
    int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    void addAll(int[] vs) {
      if (size + vs.length > values.length) {
        values = Arrays.copyOf(values, Math.max(size * 2, size + vs.length));
      }
      System.arraycopy(vs, 0, values, size, vs.length);
      size += vs.length;
    }

    void sortDistinct() {
      Arrays.sort(values, 0, size);
      int n = 0;
      for (int i = 0; i < size; i++) {
        if (n == 0 || values[n - 1] != values[i]) {
          values[n++] = values[i];
        }
      }
      size = n;
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
