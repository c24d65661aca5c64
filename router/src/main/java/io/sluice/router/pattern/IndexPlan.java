package io.sluice.router.pattern;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where {@link PatternIndex} files each pattern: which paths the {@link AtomIndex} reads and which
 * of its necessary conditions each pattern is filed under (or none: evaluated for every event).
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
    // paths as numbers, in the order they are first met (ties go to the first)
    Map<List<String>, Integer> ids = new HashMap<>();
    List<List<String>> byId = new ArrayList<>();
    int n = conditions.size();
    int[][][] pathsOf = new int[n][][]; // per pattern, per condition: its distinct paths
    for (int i = 0; i < n; i++) {
      List<NecessaryCondition> cs = conditions.get(i);
      pathsOf[i] = new int[cs.size()][];
      for (int c = 0; c < cs.size(); c++) {
        int[] ps = new int[cs.get(c).paths().size()];
        int k = 0;
        for (List<String> path : cs.get(c).paths()) {
          Integer id = ids.get(path);
          if (id == null) {
            id = byId.size();
            ids.put(path, id);
            byId.add(path);
          }
          ps[k++] = id;
        }
        pathsOf[i][c] = ps;
      }
    }
    double[] cost = new double[n];
    Arrays.fill(cost, 1.0);
    boolean[] open = new boolean[byId.size()];
    List<List<String>> opened = new ArrayList<>();
    double[] savings = new double[byId.size()];
    while (opened.size() < MAX_TABLES) {
      Arrays.fill(savings, 0);
      for (int i = 0; i < n; i++) {
        addSavings(conditions.get(i), pathsOf[i], cost[i], open, savings);
      }
      int best = -1;
      double bestSaving = TABLE_COST;
      for (int p = 0; p < savings.length; p++) {
        if (savings[p] > bestSaving) {
          best = p;
          bestSaving = savings[p];
        }
      }
      if (best < 0) {
        break;
      }
      open[best] = true;
      opened.add(byId.get(best));
      for (int i = 0; i < n; i++) {
        int c = bestOpen(conditions.get(i), pathsOf[i], open);
        if (c >= 0) {
          cost[i] = Math.min(cost[i], conditions.get(i).get(c).selectivity());
        }
      }
    }
    this.paths = List.copyOf(opened);
    this.chosen = new NecessaryCondition[n];
    for (int i = 0; i < n; i++) {
      int c = bestOpen(conditions.get(i), pathsOf[i], open);
      chosen[i] = c < 0 ? null : conditions.get(i).get(c);
    }
  }

  /**
   * What opening each path would save on one pattern: for each path, its best condition needing
   * that path and otherwise only open ones (counted once per path, not per condition).
   */
  private static void addSavings(
      List<NecessaryCondition> conditions,
      int[][] pathsOf,
      double cost,
      boolean[] open,
      double[] savings) {
    for (int c = 0; c < pathsOf.length; c++) {
      double saving = cost - conditions.get(c).selectivity();
      int missing = onlyMissing(pathsOf[c], open);
      if (saving <= 0 || missing < 0 || !bestFor(missing, c, conditions, pathsOf, open)) {
        continue;
      }
      savings[missing] += saving;
    }
  }

  /** Whether condition {@code c} is the first of the most selective ones that miss only path p. */
  private static boolean bestFor(
      int p, int c, List<NecessaryCondition> conditions, int[][] pathsOf, boolean[] open) {
    double s = conditions.get(c).selectivity();
    for (int d = 0; d < pathsOf.length; d++) {
      if (d != c && onlyMissing(pathsOf[d], open) == p) {
        double t = conditions.get(d).selectivity();
        if (t < s || (t == s && d < c)) {
          return false;
        }
      }
    }
    return true;
  }

  /** The one path of the condition that is not open yet; -1 when none or several are not. */
  private static int onlyMissing(int[] paths, boolean[] open) {
    int missing = -1;
    for (int p : paths) {
      if (!open[p]) {
        if (missing >= 0) {
          return -1;
        }
        missing = p;
      }
    }
    return missing;
  }

  /** The most selective condition whose paths are all open (the first on ties); -1 if none. */
  private static int bestOpen(
      List<NecessaryCondition> conditions, int[][] pathsOf, boolean[] open) {
    int best = -1;
    for (int c = 0; c < pathsOf.length; c++) {
      if ((best < 0 || conditions.get(c).selectivity() < conditions.get(best).selectivity())
          && allOpen(pathsOf[c], open)) {
        best = c;
      }
    }
    return best;
  }

  private static boolean allOpen(int[] paths, boolean[] open) {
    for (int p : paths) {
      if (!open[p]) {
        return false;
      }
    }
    return true;
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
