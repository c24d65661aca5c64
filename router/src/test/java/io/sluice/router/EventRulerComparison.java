package io.sluice.router;

import com.fasterxml.jackson.databind.JsonNode;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.definition.TriggerDef.EventTrigger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.event.ruler.Machine;

/**
 * Not a test: the measurement behind the decision about AWS Event Ruler (docs/router.md). Reads the
 * triggers and events written by {@code RouterMatchBenchmark --dump DIR}, and for the first N
 * triggers (N = 1,000 and 10,000 by default) adds them to an Event Ruler {@link Machine} (the event
 * type as one more field of each rule) and to a {@link TriggerIndex} (patterns only, no {@code
 * when}: Event Ruler has no guards), then matches the same events on one thread with both: time to
 * add, median/p99 per event, events/s, and whether the two agree on every event.
 *
 * <p>Run: {@code java -cp router/target/test-classes:router/target/classes:<test classpath>
 * io.sluice.router.EventRulerComparison DIR [sizes] [addBudgetSeconds]}.
 */
public final class EventRulerComparison {
  private EventRulerComparison() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int[] sizes =
        Arrays.stream((args.length > 1 ? args[1] : "1000,10000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    long budgetNs = (args.length > 2 ? Long.parseLong(args[2]) : 300) * 1_000_000_000L;
    List<Map<String, Object>> triggers =
        (List<Map<String, Object>>) Json.parse(Files.readString(dir.resolve("triggers.json")));
    List<Map<String, Object>> structured =
        (List<Map<String, Object>>) Json.parse(Files.readString(dir.resolve("events.json")));
    List<CloudEvent> events = new ArrayList<>();
    List<JsonNode> nodes = new ArrayList<>();
    for (Map<String, Object> e : structured) {
      events.add(CloudEvent.fromMap(e));
      nodes.add(Json.toNode(e));
    }
    System.out.println(
        "| engine | triggers | add/index | median ns | p99 ns | events/s | matches/event |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|");
    for (int size : sizes) {
      List<Map<String, Object>> some = triggers.subList(0, Math.min(size, triggers.size()));
      measureRuler(some, nodes, budgetNs);
      TriggerIndex index = measureSluice(some, events);
      System.out.println(agreement(some, nodes, events, index));
    }
  }

  private static void measureRuler(
      List<Map<String, Object>> triggers, List<JsonNode> events, long budgetNs) throws Exception {
    Machine machine = new Machine();
    long start = System.nanoTime();
    int added = 0;
    for (int i = 0; i < triggers.size(); i++) {
      machine.addRule("t" + i, rulerPattern(triggers.get(i)));
      added++;
      if (System.nanoTime() - start > budgetNs) {
        break;
      }
    }
    long addNs = System.nanoTime() - start;
    if (added < triggers.size()) {
      System.out.printf(
          Locale.ROOT,
          "| Event Ruler | %,d | gave up after %.0f s with %,d rules added | | | | |%n",
          triggers.size(),
          addNs / 1e9,
          added);
      return;
    }
    int n = events.size();
    long[] latencies = new long[n];
    long matches = 0;
    for (int i = 0; i < n; i++) { // warm-up pass
      matches += machine.rulesForJSONEvent(events.get(i)).size();
    }
    matches = 0;
    long loop = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long s = System.nanoTime();
      matches += machine.rulesForJSONEvent(events.get(i)).size();
      latencies[i] = System.nanoTime() - s;
    }
    double seconds = (System.nanoTime() - loop) / 1e9;
    print("Event Ruler", triggers.size(), addNs, latencies, n / seconds, (double) matches / n);
  }

  private static TriggerIndex measureSluice(
      List<Map<String, Object>> triggers, List<CloudEvent> events) {
    long start = System.nanoTime();
    TriggerIndex index = new TriggerIndex(entries(triggers));
    long indexNs = System.nanoTime() - start;
    int n = events.size();
    long matches = 0;
    for (int round = 0; round < 20; round++) { // warm-up
      for (CloudEvent e : events) {
        matches += index.match(e).size();
      }
    }
    long[] latencies = new long[n];
    matches = 0;
    long loop = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long s = System.nanoTime();
      matches += index.match(events.get(i)).size();
      latencies[i] = System.nanoTime() - s;
    }
    double seconds = (System.nanoTime() - loop) / 1e9;
    print(
        "Sluice TriggerIndex",
        triggers.size(),
        indexNs,
        latencies,
        n / seconds,
        (double) matches / n);
    return index;
  }

  private static List<TriggerIndex.Entry> entries(List<Map<String, Object>> triggers) {
    List<TriggerIndex.Entry> entries = new ArrayList<>();
    for (int i = 0; i < triggers.size(); i++) {
      Map<String, Object> t = triggers.get(i);
      EventTrigger trigger =
          new EventTrigger((String) t.get("type"), t.get("match"), null, null, "useExisting");
      entries.add(new TriggerIndex.Entry(String.format("t%06d", i), 1, 0, trigger));
    }
    return entries;
  }

  private static String rulerPattern(Map<String, Object> trigger) {
    Map<String, Object> pattern = new LinkedHashMap<>();
    pattern.put("type", List.of(trigger.get("type")));
    @SuppressWarnings("unchecked")
    Map<String, Object> match = (Map<String, Object>) trigger.get("match");
    if (match != null) {
      pattern.putAll(match);
    }
    return Json.write(pattern);
  }

  private static String agreement(
      List<Map<String, Object>> triggers,
      List<JsonNode> nodes,
      List<CloudEvent> events,
      TriggerIndex index)
      throws Exception {
    Machine machine = new Machine();
    for (int i = 0; i < triggers.size(); i++) {
      machine.addRule(String.format("t%06d", i), rulerPattern(triggers.get(i)));
    }
    int disagreements = 0;
    int checked = Math.min(events.size(), 5_000);
    for (int i = 0; i < checked; i++) {
      Set<String> ruler = new HashSet<>(machine.rulesForJSONEvent(nodes.get(i)));
      Set<String> sluice = new HashSet<>();
      index.match(events.get(i)).forEach(m -> sluice.add(m.workflowId()));
      if (!ruler.equals(sluice)) {
        disagreements++;
      }
    }
    return String.format(
        Locale.ROOT,
        "(%,d triggers: the two engines disagree on %d of %,d events)",
        triggers.size(),
        disagreements,
        checked);
  }

  private static void print(
      String engine,
      int triggers,
      long buildNs,
      long[] latencies,
      double eventsPerSecond,
      double matchesPerEvent) {
    Arrays.sort(latencies);
    System.out.printf(
        Locale.ROOT,
        "| %s | %,d | %.1f ms | %,d | %,d | %,.0f | %.2f |%n",
        engine,
        triggers,
        buildNs / 1e6,
        latencies[latencies.length / 2],
        latencies[(int) (latencies.length * 0.99)],
        eventsPerSecond,
        matchesPerEvent);
  }
}
