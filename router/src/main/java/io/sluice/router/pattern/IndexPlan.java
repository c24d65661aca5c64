package io.sluice.router.pattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where {@link PatternIndex} files each pattern: which paths get a {@link PathTable} and which of
 * its necessary conditions each pattern is filed under (or none: evaluated for every event).
 *
 * <p>A cost model in units of "one pattern evaluated": a pattern filed under a condition costs its
 * guessed selectivity per event (it is evaluated only when an event passes), an unfiled one costs
 * 1, and each path table costs {@link #TABLE_COST} per event for the look-up. Paths are opened
 * greedily: each round opens the path whose table would save the most (the sum over patterns of the
 * drop from their current cost to their best condition on the already open paths plus this one),
 * while that saving exceeds the table's cost, up to {@link #MAX_TABLES}. Each pattern is then filed
 * under its most selective condition whose paths are all open. Deterministic: ties go to the path
 * met first in the patterns' order.
 */
final class IndexPlan {
  static final double TABLE_COST = 0.3;
  static final int MAX_TABLES = 12;

  private final List<List<String>> paths;
  private final NecessaryCondition[] chosen;

  /** {@code conditions}: per pattern, its necessary conditions (empty: it has none). */
  IndexPlan(List<List<NecessaryCondition>> conditions) {
    int n = conditions.size();
    double[] cost = new double[n];
    Arrays.fill(cost, 1.0);
    Set<List<String>> open = new LinkedHashSet<>();
    while (open.size() < MAX_TABLES) {
      Map<List<String>, Double> savings = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        addSavings(conditions.get(i), cost[i], open, savings);
      }
      List<String> best = null;
      double bestSaving = TABLE_COST;
      for (Map.Entry<List<String>, Double> e : savings.entrySet()) {
        if (e.getValue() > bestSaving) {
          best = e.getKey();
          bestSaving = e.getValue();
        }
      }
      if (best == null) {
        break;
      }
      open.add(best);
      for (int i = 0; i < n; i++) {
        NecessaryCondition c = bestOpen(conditions.get(i), open);
        if (c != null) {
          cost[i] = Math.min(cost[i], c.selectivity());
        }
      }
    }
    this.paths = List.copyOf(open);
    this.chosen = new NecessaryCondition[n];
    for (int i = 0; i < n; i++) {
      chosen[i] = bestOpen(conditions.get(i), open);
    }
  }

  /** What opening each path would save on one pattern: its best condition needing only that. */
  private static void addSavings(
      List<NecessaryCondition> conditions,
      double cost,
      Set<List<String>> open,
      Map<List<String>, Double> savings) {
    List<List<String>> seen = new ArrayList<>(conditions.size());
    List<Double> saved = new ArrayList<>(conditions.size());
    for (NecessaryCondition c : conditions) {
      double saving = cost - c.selectivity();
      List<String> missing = onlyMissing(c, open);
      if (saving <= 0 || missing == null) {
        continue;
      }
      int at = seen.indexOf(missing);
      if (at < 0) {
        seen.add(missing);
        saved.add(saving);
      } else if (saving > saved.get(at)) {
        saved.set(at, saving);
      }
    }
    for (int i = 0; i < seen.size(); i++) {
      savings.merge(seen.get(i), saved.get(i), Double::sum);
    }
  }

  /** The one path of the condition that is not open yet; null when none or several are not. */
  private static List<String> onlyMissing(NecessaryCondition c, Set<List<String>> open) {
    List<String> missing = null;
    for (List<String> p : c.paths()) {
      if (!open.contains(p)) {
        if (missing != null) {
          return null;
        }
        missing = p;
      }
    }
    return missing;
  }

  private static NecessaryCondition bestOpen(
      List<NecessaryCondition> conditions, Set<List<String>> open) {
    NecessaryCondition best = null;
    for (NecessaryCondition c : conditions) {
      if ((best == null || c.selectivity() < best.selectivity()) && open.containsAll(c.paths())) {
        best = c;
      }
    }
    return best;
  }

  /** The paths that get a table, in the order they were opened. */
  List<List<String>> paths() {
    return paths;
  }

  /** The condition pattern {@code i} is filed under; null when it is evaluated for every event. */
  NecessaryCondition chosen(int i) {
    return chosen[i];
  }
}
