package io.sluice.bench;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.json.Json;
import io.sluice.definition.TriggerDef.EventTrigger;
import io.sluice.router.TriggerIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Router match cost (issue 4): {@link TriggerIndex} with 1, 100, 1,000 and 10,000 event triggers
 * over 500 event types, every pattern operator in the mix and a {@code when} guard on one trigger
 * in ten. Measures the time to index the triggers (in one go, and workflow by workflow), then, on
 * one thread, the cost of {@code match} per event (median and p99, from {@link System#nanoTime()}
 * around each call; also apart for the events that matched nothing and those that matched at least
 * one trigger) and events/s on one core (events / the sum of those times).
 *
 * <p>Two event streams: <em>all types</em> draws each event's type uniformly from the 500 (most
 * types have no trigger in the small indexes, as in a deployment where few workflows listen);
 * <em>subscribed types</em> draws only types that have at least one trigger in the index being
 * measured, so every event evaluates a bucket. The {@code unpinned} scenario drops the pinned
 * tenant or source, so the index has only the triggers' other conditions to work with (anything-but
 * and exists: false give it nothing): the worst case. The {@code pinned-dense} and {@code
 * unpinned-dense} scenarios are the same with the number of event types scaled to the triggers, 20
 * triggers per type at every size (100 triggers over 5 types, 10,000 over 500, the same workload as
 * without {@code -dense}): each event then has as many triggers of its type to match, and matches
 * about as many, at every size, so its cost shows what the number of triggers in the index alone
 * costs.
 *
 * <p>{@code java -cp sluice-bench.jar io.sluice.bench.RouterMatchBenchmark [--events N] [--warmup
 * N] [--sizes 1,100,1000,10000] [--scenarios pinned,unpinned,pinned-dense,unpinned-dense] [--guards
 * on|off] [--dump DIR]}; {@code --guards off} leaves the {@code when} guards out (the same patterns
 * otherwise); {@code --dump} writes the 10,000 triggers and the events as JSON for the Event Ruler
 * comparison in the router's tests.
 */
public final class RouterMatchBenchmark {
  static final int TYPES = 500;
  static final int DENSITY = 20; // triggers per type of 10,000 over 500 types
  private static final String[] REGIONS = {"eu", "us", "apac", "latam", "EU", "Us"};
  private static final String[] STATUSES = {
    "new", "paid", "shipped", "delivered", "cancelled", "failed", "refunded", "on-hold"
  };
  private static final String[] SKU_PREFIXES = {
    "ACME", "GLOBEX", "INITECH", "UMBRELLA", "TEST", "HOOLI", "STARK", "WAYNE"
  };
  private static final String[] DOMAINS = {
    "example.com", "mail.example", "corp.example", "shop.example", "test.example"
  };
  private static final String[] TAGS = {"vip", "new", "b2b", "promo", "gift", "fraud-check"};
  private static final String[] TIERS = {"bronze", "silver", "gold", "platinum"};
  private static final String[] GUARDS = {
    "event.data.total > 500.0",
    "event.data.region in ['eu', 'us', 'EU']",
    "has(event.data.coupon)",
    "event.data.qty % 2 == 0"
  };
  static final int OPERATOR_KINDS = 12;

  private RouterMatchBenchmark() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> options = options(args);
    int events = Integer.parseInt(options.getOrDefault("events", "1000000"));
    int warmup = Integer.parseInt(options.getOrDefault("warmup", "400000"));
    int[] sizes =
        Arrays.stream(options.getOrDefault("sizes", "1,100,1000,10000").split(","))
            .mapToInt(Integer::parseInt)
            .toArray();
    System.out.printf(
        "java %s, %d cores, load average at start: %s%n",
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        loadAverage());
    CelExpressions.workflow(); // the first CEL environment costs ~1 s: not part of indexing
    System.out.printf("timer overhead (median, included in every time): %d ns%n", timerOverhead());

    List<CloudEvent> pool = new Workload(7).events(20_000, null);
    if (options.containsKey("dump")) {
      dump(Path.of(options.get("dump")), new Workload(11).triggers(10_000, 0.9, true, TYPES), pool);
    }
    if (options.containsKey("compare")) {
      compare(options, warmup);
      return;
    }
    List<String> rows = new ArrayList<>();
    rows.add(
        "| scenario | triggers | index (bulk) | index (put by put) | stream | matches/event |"
            + " median ns | p99 ns | events/s | median ns: no match / a match |");
    rows.add("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|");
    boolean guards = !options.getOrDefault("guards", "on").equals("off");
    String all = "pinned,unpinned,pinned-dense,unpinned-dense";
    for (String scenario : options.getOrDefault("scenarios", all).split(",")) {
      double pinnedShare = scenario.startsWith("unpinned") ? 0.0 : 0.9;
      boolean dense = scenario.endsWith("-dense");
      for (int size : sizes) {
        int types = dense ? Math.max(1, size / DENSITY) : TYPES;
        List<TriggerIndex.Entry> entries =
            new Workload(11).triggers(size, pinnedShare, guards, types);
        long bulkNs = bestOf(3, () -> new TriggerIndex(entries));
        long putNs = bestOf(1, () -> byPuts(entries));
        TriggerIndex index = new TriggerIndex(entries);
        Set<String> subscribed = types(entries);
        List<CloudEvent> subscribedPool = new Workload(7).events(20_000, subscribed);
        // dense: the types of an index are all the types its events have
        List<String> streams =
            dense ? List.of("subscribed types") : List.of("all types", "subscribed types");
        for (String stream : streams) {
          List<CloudEvent> stream0 = stream.equals("all types") ? pool : subscribedPool;
          Result r = measure(index, stream0, warmup, events);
          rows.add(
              String.format(
                  Locale.ROOT,
                  "| %s | %,d | %s | %s | %s | %.2f | %,d | %,d | %,.0f | %s / %s |",
                  scenario,
                  size,
                  millis(bulkNs),
                  millis(putNs),
                  stream,
                  r.matchesPerEvent,
                  r.medianNs,
                  r.p99Ns,
                  r.eventsPerSecond,
                  median(r.noMatchNs),
                  median(r.matchNs)));
          System.out.println(rows.get(rows.size() - 1));
        }
      }
    }
    System.out.println();
    rows.forEach(System.out::println);
    System.out.printf("load average at end: %s%n", loadAverage());
  }

  /**
   * {@code --compare 100,10000}: the two sizes measured in turns in one JVM, {@code --rounds}
   * rounds of {@code --round-events} events each (the smaller first in even rounds, the larger in
   * odd ones), and per round the ratio of the larger's median, mean and p99 to the smaller's. One
   * JVM and alternating turns take the JIT's decisions and the machine's load out of the ratio,
   * which separate runs (±25% per median) do not.
   */
  private static void compare(Map<String, String> options, int warmup) {
    String[] pair = options.get("compare").split(",");
    int small = Integer.parseInt(pair[0]);
    int large = Integer.parseInt(pair[1]);
    int rounds = Integer.parseInt(options.getOrDefault("rounds", "8"));
    int perRound = Integer.parseInt(options.getOrDefault("round-events", "200000"));
    boolean guards = !options.getOrDefault("guards", "on").equals("off");
    String scenarios = options.getOrDefault("scenarios", "pinned-dense,unpinned-dense,pinned");
    List<String> rows = new ArrayList<>();
    rows.add(
        "| scenario | rounds | median ns "
            + small
            + " → "
            + large
            + " | median × (min / middle / max) | mean × (min / middle / max) | p99 ×"
            + " (min / middle / max) |");
    rows.add("|---|---:|---|---|---|---|");
    for (String scenario : scenarios.split(",")) {
      double pinnedShare = scenario.startsWith("unpinned") ? 0.0 : 0.9;
      boolean dense = scenario.endsWith("-dense");
      TriggerIndex[] indexes = new TriggerIndex[2];
      List<List<CloudEvent>> pools = new ArrayList<>();
      int[] sizes = {small, large};
      for (int k = 0; k < 2; k++) {
        int types = dense ? Math.max(1, sizes[k] / DENSITY) : TYPES;
        List<TriggerIndex.Entry> entries =
            new Workload(11).triggers(sizes[k], pinnedShare, guards, types);
        indexes[k] = new TriggerIndex(entries);
        pools.add(new Workload(7).events(20_000, types(entries)));
      }
      for (int k = 0; k < 2; k++) {
        measure(indexes[k], pools.get(k), warmup, 1);
      }
      double[] medians = new double[rounds];
      double[] means = new double[rounds];
      double[] p99s = new double[rounds];
      long[][] medianNs = new long[2][rounds];
      for (int r = 0; r < rounds; r++) {
        Result[] results = new Result[2];
        for (int turn = 0; turn < 2; turn++) {
          int k = r % 2 == 0 ? turn : 1 - turn;
          results[k] = measure(indexes[k], pools.get(k), 0, perRound);
        }
        medianNs[0][r] = results[0].medianNs;
        medianNs[1][r] = results[1].medianNs;
        medians[r] = (double) results[1].medianNs / results[0].medianNs;
        means[r] = results[0].eventsPerSecond / results[1].eventsPerSecond;
        p99s[r] = (double) results[1].p99Ns / results[0].p99Ns;
        System.out.printf(
            Locale.ROOT,
            "%s round %d: median %,d → %,d ns (%.2f×), mean %.2f×, p99 %,d → %,d ns (%.2f×)%n",
            scenario,
            r + 1,
            results[0].medianNs,
            results[1].medianNs,
            medians[r],
            means[r],
            results[0].p99Ns,
            results[1].p99Ns,
            p99s[r]);
      }
      rows.add(
          String.format(
              Locale.ROOT,
              "| %s | %d | %,d → %,d | %s | %s | %s |",
              scenario,
              rounds,
              middle(medianNs[0]),
              middle(medianNs[1]),
              spread(medians),
              spread(means),
              spread(p99s)));
    }
    System.out.println();
    rows.forEach(System.out::println);
    System.out.printf("load average at end: %s%n", loadAverage());
  }

  private static long middle(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String spread(double[] ratios) {
    double[] sorted = ratios.clone();
    Arrays.sort(sorted);
    return String.format(
        Locale.ROOT,
        "%.2f / %.2f / %.2f",
        sorted[0],
        sorted[sorted.length / 2],
        sorted[sorted.length - 1]);
  }

  private static String millis(long ns) {
    return String.format(Locale.ROOT, "%.1f ms", ns / 1e6);
  }

  private static TriggerIndex byPuts(List<TriggerIndex.Entry> entries) {
    TriggerIndex index = new TriggerIndex();
    Map<String, List<EventTrigger>> byWorkflow = new LinkedHashMap<>();
    entries.forEach(
        e -> byWorkflow.computeIfAbsent(e.workflowId(), k -> new ArrayList<>()).add(e.trigger()));
    byWorkflow.forEach((id, triggers) -> index.put(id, 1, triggers));
    return index;
  }

  private static long bestOf(int runs, Runnable build) {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      build.run();
      best = Math.min(best, System.nanoTime() - start);
    }
    return best;
  }

  private static Set<String> types(List<TriggerIndex.Entry> entries) {
    Set<String> types = new java.util.HashSet<>();
    entries.forEach(e -> types.add(e.trigger().type()));
    return types;
  }

  /**
   * @param noMatchNs the times of the events that matched no trigger, sorted
   * @param matchNs the times of those that matched at least one, sorted
   */
  record Result(
      double matchesPerEvent,
      long medianNs,
      long p99Ns,
      double eventsPerSecond,
      long[] noMatchNs,
      long[] matchNs) {}

  private static String median(long[] sorted) {
    return sorted.length == 0 ? "-" : String.format(Locale.ROOT, "%,d", sorted[sorted.length / 2]);
  }

  static long sink;

  private static Result measure(
      TriggerIndex index, List<CloudEvent> events, int warmup, int measured) {
    System.gc(); // the previous measurement's garbage is not collected during this one
    int n = events.size();
    for (int i = 0; i < warmup; i++) {
      CloudEvent e = events.get(i % n);
      sink += touch(e) + index.match(e).size();
    }
    long[] latencies = new long[measured];
    long[] noMatch = new long[measured];
    long[] match = new long[measured];
    int noMatches = 0;
    int withMatches = 0;
    long matches = 0;
    long total = 0;
    for (int i = 0; i < measured; i++) {
      CloudEvent e = events.get(i % n);
      sink += touch(e); // as ingestion leaves it: just parsed and validated, so in the cache
      long start = System.nanoTime();
      int m = index.match(e).size();
      long elapsed = System.nanoTime() - start;
      latencies[i] = elapsed;
      if (m == 0) {
        noMatch[noMatches++] = elapsed;
      } else {
        match[withMatches++] = elapsed;
      }
      total += elapsed;
      matches += m;
    }
    Arrays.sort(latencies);
    noMatch = Arrays.copyOf(noMatch, noMatches);
    match = Arrays.copyOf(match, withMatches);
    Arrays.sort(noMatch);
    Arrays.sort(match);
    return new Result(
        (double) matches / measured,
        latencies[measured / 2],
        latencies[(int) (measured * 0.99)],
        measured / (total / 1e9),
        noMatch,
        match);
  }

  /** Reads every field of the event, as parsing and schema validation do before routing. */
  static long touch(CloudEvent e) {
    return e.id().hashCode()
        + e.type().charAt(0)
        + e.source().charAt(0)
        + touch(e.data())
        + touch(e.extensions())
        + (e.subject() == null ? 0 : e.subject().charAt(0));
  }

  private static long touch(Object value) {
    if (value instanceof Map<?, ?> map) {
      long h = map.size();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        h += entry.getKey().hashCode() + touch(entry.getValue());
      }
      return h;
    }
    if (value instanceof List<?> list) {
      long h = list.size();
      for (Object element : list) {
        h += touch(element);
      }
      return h;
    }
    if (value instanceof String text) {
      return text.isEmpty() ? 0 : text.charAt(text.length() - 1);
    }
    return value == null ? 0 : value.hashCode();
  }

  /** The median cost of the two {@link System#nanoTime()} calls around each match. */
  private static long timerOverhead() {
    long[] samples = new long[200_000];
    for (int i = 0; i < samples.length; i++) {
      long start = System.nanoTime();
      samples[i] = System.nanoTime() - start;
    }
    Arrays.sort(samples);
    return samples[samples.length / 2];
  }

  /** Triggers and events, generated from a seed (the same seed gives the same workload). */
  static final class Workload {
    private final Random random;

    Workload(long seed) {
      this.random = new Random(seed);
    }

    static String type(int i) {
      return "svc" + (i % 50) + ".entity" + (i / 50) + ".changed";
    }

    /**
     * {@code count} triggers, two per workflow, over the first {@code types} of the 500 types
     * ({@link #type}). {@code pinnedShare} of them pin an exact tenant (data) or source; every
     * trigger has one or two more conditions, taken in turn from all operators; one in ten has a
     * {@code when} guard (compiled when {@code guards}).
     */
    List<TriggerIndex.Entry> triggers(int count, double pinnedShare, boolean guards, int types) {
      List<TriggerIndex.Entry> out = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String type = type(random.nextInt(types));
        Map<String, Object> pattern = new LinkedHashMap<>();
        Map<String, Object> data = new LinkedHashMap<>();
        if (random.nextDouble() < pinnedShare) {
          if (random.nextBoolean()) {
            data.put("tenant", List.of("t" + random.nextInt(200)));
          } else {
            pattern.put("source", List.of("/svc/" + random.nextInt(50)));
          }
        }
        int conditions = 1 + random.nextInt(2);
        for (int c = 0; c < conditions; c++) {
          condition((i + c * 5) % OPERATOR_KINDS, pattern, data);
        }
        if (!data.isEmpty()) {
          pattern.put("data", data);
        }
        String guard = random.nextInt(10) == 0 ? GUARDS[random.nextInt(GUARDS.length)] : null;
        var when = guard != null && guards ? CelExpressions.workflow().compile(guard) : null;
        EventTrigger trigger =
            new EventTrigger(type, Json.normalize(pattern), when, null, "useExisting");
        out.add(new TriggerIndex.Entry("wf-" + (i / 2), 1, i % 2, trigger));
      }
      return out;
    }

    private void condition(int kind, Map<String, Object> pattern, Map<String, Object> data) {
      Random r = random;
      switch (kind) {
        case 0 -> data.put("sku", List.of(Map.of("prefix", pick(SKU_PREFIXES) + "-")));
        case 1 -> data.put("email", List.of(Map.of("suffix", "@" + pick(DOMAINS))));
        case 2 -> data.put("region", List.of(Map.of("equals-ignore-case", pick(REGIONS))));
        case 3 ->
            data.put("status", List.of(Map.of("anything-but", List.of("cancelled", "failed"))));
        case 4 -> data.put("sku", List.of(Map.of("anything-but", Map.of("prefix", "TEST"))));
        case 5 -> {
          int low = r.nextInt(700);
          data.put("total", List.of(Map.of("numeric", List.of(">", low, "<=", low + 300))));
        }
        case 6 ->
            data.put(
                "qty",
                List.of(
                    r.nextBoolean()
                        ? Map.of("numeric", List.of("=", r.nextInt(20)))
                        : Map.of("numeric", List.of(">=", r.nextInt(20)))));
        case 7 -> data.put("coupon", List.of(Map.of("exists", r.nextBoolean())));
        case 8 -> pattern.put("subject", List.of(Map.of("wildcard", "orders/*/" + pick(REGIONS))));
        case 9 ->
            pattern.put(
                "$or",
                List.of(
                    Map.of("data", Map.of("customer", Map.of("tier", List.of(pick(TIERS))))),
                    Map.of(
                        "data", Map.of("total", List.of(Map.of("numeric", List.of(">", 900)))))));
        case 10 -> data.put("items", Map.of("sku", List.of(Map.of("prefix", pick(SKU_PREFIXES)))));
        default -> {
          List<Object> values = new ArrayList<>();
          values.add(null);
          values.add("C-" + r.nextInt(10));
          data.put("coupon", values);
          data.put("tags", List.of(pick(TAGS), pick(TAGS)));
        }
      }
    }

    /** Events over all types, or over {@code types} only; about 0.5 KB each as JSON. */
    List<CloudEvent> events(int count, Set<String> types) {
      List<String> allowed = types == null ? null : new ArrayList<>(types);
      if (allowed != null) {
        allowed.sort(null);
      }
      List<CloudEvent> out = new ArrayList<>(count);
      Instant time = Instant.parse("2026-01-01T00:00:00Z");
      for (int i = 0; i < count; i++) {
        Random r = random;
        String type =
            allowed == null ? type(r.nextInt(TYPES)) : allowed.get(r.nextInt(allowed.size()));
        String region = pick(REGIONS);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("orderId", "o-" + i);
        data.put("tenant", "t" + r.nextInt(200));
        data.put("region", region);
        data.put("total", Math.round(r.nextDouble() * 100_000) / 100.0);
        data.put("qty", (long) r.nextInt(20));
        data.put("sku", pick(SKU_PREFIXES) + "-" + r.nextInt(10_000));
        data.put("status", pick(STATUSES));
        data.put("email", "user" + r.nextInt(1000) + "@" + pick(DOMAINS));
        List<Object> tags = new ArrayList<>();
        for (int t = 0; t < 1 + r.nextInt(3); t++) {
          tags.add(pick(TAGS));
        }
        data.put("tags", tags);
        data.put("customer", Map.of("tier", pick(TIERS), "country", "c" + r.nextInt(10)));
        List<Object> items = new ArrayList<>();
        for (int t = 0; t < 1 + r.nextInt(3); t++) {
          items.add(Map.of("sku", pick(SKU_PREFIXES) + "-" + r.nextInt(100), "qty", 1L));
        }
        data.put("items", items);
        int coupon = r.nextInt(10);
        if (coupon < 3) {
          data.put("coupon", "C-" + r.nextInt(10));
        } else if (coupon == 3) {
          data.put("coupon", null);
        }
        Map<String, Object> extensions =
            r.nextBoolean() ? Map.of("priority", (long) r.nextInt(10)) : Map.of();
        out.add(
            new CloudEvent(
                "e-" + i,
                "/svc/" + r.nextInt(50),
                type,
                time.plusMillis(i),
                "orders/" + i + "/" + region,
                "application/json",
                null,
                Json.normalize(data),
                extensions));
      }
      return out;
    }

    private String pick(String[] values) {
      return values[random.nextInt(values.length)];
    }
  }

  /** Triggers (type, pattern, when) and events as JSON files, for the Event Ruler comparison. */
  private static void dump(Path dir, List<TriggerIndex.Entry> entries, List<CloudEvent> events)
      throws IOException {
    Files.createDirectories(dir);
    List<Object> triggers = new ArrayList<>();
    for (TriggerIndex.Entry e : entries) {
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("type", e.trigger().type());
      t.put("match", e.trigger().match());
      t.put("when", e.trigger().when() == null ? null : e.trigger().when().source());
      triggers.add(t);
    }
    Files.writeString(dir.resolve("triggers.json"), Json.write(triggers));
    List<Object> structured = new ArrayList<>();
    events.forEach(e -> structured.add(e.toMap()));
    Files.writeString(dir.resolve("events.json"), Json.write(structured));
    System.out.println("wrote " + dir.resolve("triggers.json") + " and events.json");
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option value, but got " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }
}
