package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A set of patterns arranged so that an event evaluates only the patterns it could match.
 *
 * <p>Each pattern has necessary conditions ({@link NecessaryCondition}): "some scalar at this path
 * passes one of these atoms", where an atom is an exact value, a case-folded string, a prefix or
 * suffix, a numeric interval or mere presence ({@link IndexAtom}). An {@link IndexPlan} picks a few
 * paths and files each pattern under the most selective of its conditions on them, in one {@link
 * AtomIndex}. An event reads its scalars at each of those paths and gets the patterns filed under
 * an atom one of them passes; patterns with no usable condition ({@code anything-but}, {@code
 * exists: false} and the like only) are candidates for every event. Every candidate is then
 * evaluated in full, so the index only ever saves work and never changes a verdict; it is evaluated
 * in its compact form ({@link CompactPatterns}), which reads one array of the bucket instead of the
 * pattern's tree of matcher objects.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> what a pattern belongs to (a trigger)
 */
public final class PatternIndex<T> {
  private final List<T> items;
  private final Object[] hot; // the items again: one object fewer to load per match
  private final CompactPatterns patterns;
  private final AtomIndex atoms;
  private final int[] linear;

  /**
   * @param items in the order results are returned
   * @param patternOf an item's pattern; null matches every event
   */
  public PatternIndex(List<T> items, Function<? super T, EventPattern> patternOf) {
    this.items = List.copyOf(items);
    this.hot = this.items.toArray();
    List<ObjectMatcher> roots = new ArrayList<>(items.size());
    List<List<NecessaryCondition>> conditions = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      EventPattern pattern = patternOf.apply(items.get(i));
      roots.add(pattern == null ? null : pattern.root());
      conditions.add(pattern == null ? List.of() : pattern.conditions());
    }
    this.patterns = new CompactPatterns(roots);
    IndexPlan plan = new IndexPlan(conditions);
    List<List<IndexAtom>> filed = new ArrayList<>(roots.size());
    IntList rest = new IntList();
    for (int i = 0; i < roots.size(); i++) {
      NecessaryCondition c = plan.chosen(i);
      filed.add(c == null ? null : c.atoms());
      if (c == null) {
        rest.add(i);
      }
    }
    this.atoms = new AtomIndex(plan.paths(), filed);
    this.linear = rest.toArray();
  }

  public int size() {
    return items.size();
  }

  /** The items, in the order they were given. */
  public List<T> items() {
    return items;
  }

  /** The items whose pattern matches the event, in the order they were given. */
  public List<T> matching(CloudEvent event) {
    IntList candidates = new IntList();
    atoms.collect(event, candidates);
    candidates.addAll(linear);
    if (candidates.size == 0) {
      return List.of();
    }
    candidates.sortDistinct(); // the results keep the given order; an item may be hit twice
    List<T> out = null;
    for (int i = 0; i < candidates.size; i++) {
      int ordinal = candidates.values[i];
      if (patterns.test(ordinal, event)) {
        if (out == null) {
          out = new ArrayList<>(2);
        }
        @SuppressWarnings("unchecked")
        T item = (T) hot[ordinal];
        out.add(item);
      }
    }
    return out == null ? List.of() : out;
  }

  /**
   * How the patterns are arranged: per indexed path, the patterns filed there and their atoms by
   * kind, then the number evaluated for every event: {@code /data/tenant: 3 (exact 3), /data/sku: 1
   * (prefix 1), unindexed: 1}.
   */
  public String layout() {
    StringBuilder out = new StringBuilder();
    for (String table : atoms.describe()) {
      out.append(table).append(", ");
    }
    return out.append("unindexed: ").append(linear.length).toString();
  }

  /** How many patterns an event would evaluate (candidates, before evaluation): for tests. */
  int candidateCount(CloudEvent event) {
    IntList candidates = new IntList();
    atoms.collect(event, candidates);
    candidates.addAll(linear);
    candidates.sortDistinct();
    return candidates.size;
  }
}
