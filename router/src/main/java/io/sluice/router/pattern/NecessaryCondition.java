package io.sluice.router.pattern;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A condition every event matching a pattern meets: some scalar at the path of one of the atoms
 * passes that atom (a disjunction). {@link PatternIndex} files a pattern under the atoms of one
 * such condition; an event that passes none of them cannot match, so the pattern is not evaluated.
 *
 * <p>Where they come from: a leaf whose alternatives all have atoms (see {@link
 * LeafMatcher#atoms}); a nested object's conditions (a nested pattern over an array is matched by
 * one element as a whole, and that element's scalars are among those the index reads at the path,
 * arrays walked); a {@code $or} whose alternatives all have a condition: the union of the best one
 * of each. Nothing else: {@code anything-but}, {@code exists: false} and a wildcard without literal
 * ends accept values no atom describes.
 *
 * @param atoms at least one
 * @param selectivity the guessed share of events passing: the sum of the atoms', at most 1
 * @param paths the distinct paths of the atoms (the look-ups an event needs)
 */
record NecessaryCondition(List<IndexAtom> atoms, double selectivity, Set<List<String>> paths) {
  static NecessaryCondition of(List<IndexAtom> atoms) {
    double s = 0;
    Set<List<String>> paths = new LinkedHashSet<>();
    for (IndexAtom a : atoms) {
      s += a.selectivity();
      paths.add(a.path());
    }
    return new NecessaryCondition(List.copyOf(atoms), Math.min(1, s), Set.copyOf(paths));
  }

  /** Every necessary condition the pattern has, in the pattern's order. */
  static List<NecessaryCondition> of(ObjectMatcher root) {
    List<NecessaryCondition> out = new ArrayList<>();
    collect(root, List.of(), out);
    return out;
  }

  private static void collect(ObjectMatcher object, List<String> at, List<NecessaryCondition> out) {
    for (ObjectMatcher.Field f : object.fields()) {
      List<String> path = child(at, f.name());
      if (f.matcher() instanceof LeafMatcher leaf) {
        List<IndexAtom> atoms = leaf.atoms(path);
        if (atoms != null) {
          out.add(of(atoms));
        }
      } else if (f.matcher() instanceof ObjectMatcher nested) {
        collect(nested, path, out);
      }
    }
    List<ObjectMatcher> alternatives = object.alternatives();
    if (alternatives.isEmpty()) {
      return;
    }
    List<IndexAtom> union = new ArrayList<>();
    for (ObjectMatcher alternative : alternatives) {
      List<NecessaryCondition> inner = new ArrayList<>();
      collect(alternative, at, inner);
      NecessaryCondition best = null;
      for (NecessaryCondition c : inner) {
        if (best == null || c.selectivity() < best.selectivity()) {
          best = c;
        }
      }
      if (best == null) {
        return; // this alternative can match without any atom: the $or gives no condition
      }
      union.addAll(best.atoms());
    }
    out.add(of(union));
  }

  private static List<String> child(List<String> path, String name) {
    List<String> out = new ArrayList<>(path.size() + 1);
    out.addAll(path);
    out.add(name);
    return List.copyOf(out);
  }
}
