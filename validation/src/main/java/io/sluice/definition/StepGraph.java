package io.sluice.definition;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code needs} relation of {@code steps} and {@code onFailure}: unique ids across both, needs
 * that name existing steps of the same group, and no cycles. Each cycle is reported once, naming
 * its steps in the order "a needs b needs c needs a".
 */
final class StepGraph {
  private static final int LONGEST_NAMED_CYCLE = 10;

  /** A step; identity equality on purpose (a record would hash the whole step document). */
  private static final class Node {
    private final int order;
    private final String group;
    private final DocNode step;
    private final String id;

    Node(int order, String group, DocNode step, String id) {
      this.order = order;
      this.group = group;
      this.step = step;
      this.id = id;
    }

    int order() {
      return order;
    }

    String group() {
      return group;
    }

    DocNode step() {
      return step;
    }

    String id() {
      return id;
    }
  }

  private record Edge(Node to, DocNode need) {}

  private final Map<String, Node> byId = new LinkedHashMap<>();
  private final Map<Node, List<Edge>> edges = new HashMap<>();

  private StepGraph() {}

  static void check(DocNode steps, DocNode onFailure, Compilation c) {
    StepGraph graph = new StepGraph();
    List<Node> nodes = new ArrayList<>();
    for (DocNode step : steps.items()) {
      graph.add(new Node(nodes.size(), "steps", step, step.get("id").asString()), nodes, c);
    }
    for (DocNode step : onFailure.items()) {
      graph.add(new Node(nodes.size(), "onFailure", step, step.get("id").asString()), nodes, c);
    }
    for (Node node : nodes) {
      graph.link(node, c);
    }
    graph.reportCycles(c);
  }

  private void add(Node node, List<Node> nodes, Compilation c) {
    nodes.add(node);
    if (node.id() == null) {
      return;
    }
    Node first = byId.putIfAbsent(node.id(), node);
    if (first != null) {
      c.add(
          node.step().get("id").pointer(),
          "expected step ids to be unique across steps and onFailure, but '"
              + node.id()
              + "' is already the id of "
              + first.step().pointer());
    }
  }

  private void link(Node node, Compilation c) {
    List<Edge> out = new ArrayList<>();
    for (DocNode need : node.step().get("needs").items()) {
      String target = need.asString();
      if (target == null) {
        continue;
      }
      Node to = byId.get(target);
      if (target.equals(node.id())) {
        c.add(
            need.pointer(),
            "expected a step to need other steps, but '" + target + "' needs itself");
      } else if (to == null) {
        List<String> sameGroup =
            byId.values().stream()
                .filter(n -> n.group().equals(node.group()))
                .map(Node::id)
                .toList();
        String guess = Spelling.closest(target, sameGroup);
        c.add(
            need.pointer(),
            "expected the id of a step in "
                + node.group()
                + ", but there is no step '"
                + target
                + "'"
                + (guess == null ? "" : " (did you mean '" + guess + "'?)"));
      } else if (!to.group().equals(node.group())) {
        c.add(
            need.pointer(),
            "expected the id of a step in "
                + node.group()
                + " (a step may only need steps of its own list), but '"
                + target
                + "' is in "
                + to.group());
      } else if (node.id() != null && byId.get(node.id()) == node) {
        out.add(new Edge(to, need));
      }
    }
    edges.put(node, out);
  }

  /**
   * Removes every step that does not lead into a cycle, then reports and removes one cycle at a
   * time, until nothing is left. Iterative, so deep graphs cannot overflow the stack.
   */
  private void reportCycles(Compilation c) {
    Set<Node> left = new HashSet<>(byId.values());
    while (true) {
      prune(left);
      Node start = left.stream().min((a, b) -> Integer.compare(a.order(), b.order())).orElse(null);
      if (start == null) {
        return;
      }
      List<Edge> cycle = findCycle(start, left);
      report(cycle, c);
      cycle.forEach(e -> left.remove(e.to()));
    }
  }

  /** Drops steps whose needs are all outside the remaining set, transitively (Kahn). */
  private void prune(Set<Node> left) {
    Map<Node, Integer> blocking = new HashMap<>();
    Map<Node, List<Node>> dependents = new HashMap<>();
    Deque<Node> free = new ArrayDeque<>();
    for (Node n : left) {
      int count = 0;
      for (Edge e : edges.getOrDefault(n, List.of())) {
        if (left.contains(e.to())) {
          count++;
          dependents.computeIfAbsent(e.to(), k -> new ArrayList<>()).add(n);
        }
      }
      blocking.put(n, count);
      if (count == 0) {
        free.add(n);
      }
    }
    while (!free.isEmpty()) {
      Node n = free.poll();
      left.remove(n);
      for (Node d : dependents.getOrDefault(n, List.of())) {
        if (blocking.merge(d, -1, Integer::sum) == 0) {
          free.add(d);
        }
      }
    }
  }

  /** Follows needs inside the remaining set (each has one there) until a step repeats. */
  private List<Edge> findCycle(Node start, Set<Node> left) {
    List<Edge> path = new ArrayList<>();
    Map<Node, Integer> seenAt = new HashMap<>();
    Node current = start;
    while (!seenAt.containsKey(current)) {
      seenAt.put(current, path.size());
      Edge next =
          edges.get(current).stream().filter(e -> left.contains(e.to())).findFirst().orElseThrow();
      path.add(next);
      current = next.to();
    }
    List<Edge> cycle = new ArrayList<>(path.subList(seenAt.get(current), path.size()));
    // start the cycle at its first step in document order, so the message is stable
    int first = 0;
    for (int i = 1; i < cycle.size(); i++) {
      if (from(cycle, i).order() < from(cycle, first).order()) {
        first = i;
      }
    }
    List<Edge> rotated = new ArrayList<>(cycle.subList(first, cycle.size()));
    rotated.addAll(cycle.subList(0, first));
    return rotated;
  }

  private static Node from(List<Edge> cycle, int i) {
    return cycle.get((i + cycle.size() - 1) % cycle.size()).to();
  }

  private static void report(List<Edge> cycle, Compilation c) {
    StringBuilder names = new StringBuilder(from(cycle, 0).id());
    for (int i = 0; i < cycle.size(); i++) {
      if (i == LONGEST_NAMED_CYCLE && cycle.size() > LONGEST_NAMED_CYCLE + 1) {
        // a long cycle is named by its start and end, so the message stays readable
        names.append(" -> … (").append(cycle.size() - LONGEST_NAMED_CYCLE - 1).append(" more)");
        i = cycle.size() - 1;
      }
      names.append(" -> ").append(cycle.get(i).to().id());
    }
    c.add(
        cycle.get(0).need().pointer(),
        "expected the steps to form a DAG, but they form a cycle: " + names);
  }
}
