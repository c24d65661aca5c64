package io.sluice.bench;

import de.bwaldvogel.mongo.bson.Document;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what reaches a store server: commands by name, and for writes the documents they carry
 * ({@code insert} documents, {@code update} statements, {@code delete} statements). Thread-safe:
 * the store's worker threads call {@link #record}.
 */
final class CommandCounts {
  private final Map<String, LongAdder> commands = new ConcurrentHashMap<>();

  void record(String command, Document query) {
    String name = command.toLowerCase(Locale.ROOT);
    add(name, 1);
    String items =
        switch (name) {
          case "insert" -> "documents";
          case "update" -> "updates";
          case "delete" -> "deletes";
          default -> null;
        };
    if (items != null && query.get(items) instanceof List<?> list) {
      add(name + "." + items, list.size());
    }
  }

  private void add(String key, long n) {
    commands.computeIfAbsent(key, k -> new LongAdder()).add(n);
  }

  /** A copy of the counters, sorted by name. */
  Map<String, Long> snapshot() {
    Map<String, Long> out = new TreeMap<>();
    commands.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /** {@code after - before}, per counter; counters that did not move are left out. */
  static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach(
        (k, v) -> {
          long d = v - before.getOrDefault(k, 0L);
          if (d != 0) {
            out.put(k, d);
          }
        });
    return out;
  }
}
