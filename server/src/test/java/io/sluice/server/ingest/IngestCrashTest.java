package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Kill -9 during a sustained ingest load: every event that got a 2xx before the kill is in the
 * store after a restart on the same data directory, exactly once, and is still deduplicated.
 */
class IngestCrashTest {
  private static final int SENDERS = 16;

  @Test
  @SuppressWarnings("unchecked")
  void everyAcknowledgedEventSurvivesKill9() throws Exception {
    Path dir = Files.createTempDirectory("sluice-ingest-crash");
    boolean passed = false;
    ChildNode first = null;
    ChildNode second = null;
    try {
      String classPath = ChildNode.snapshotClassPath(dir.resolve("classpath"));
      first = ChildNode.start(classPath, dir.resolve("data"), dir.resolve("run-1.log"));
      Wire wire = first.wire();
      Set<String> acknowledged = ConcurrentHashMap.newKeySet();
      AtomicInteger sent = new AtomicInteger();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(SENDERS);
      for (int s = 0; s < SENDERS; s++) {
        int sender = s;
        pool.submit(
            () -> {
              for (int n = 0; !stop.get() && n < 100_000; n++) {
                String id = "e-" + sender + "-" + n;
                sent.incrementAndGet();
                try {
                  Wire.Response r;
                  if (n % 5 == 4) { // every fifth request is a batch of three
                    String batch =
                        "[" + event(id + "a") + "," + event(id + "b") + "," + event(id + "c") + "]";
                    r = wire.post("/v1/events", "application/cloudevents-batch+json", batch);
                    if (r.status() == 202) {
                      acknowledged.addAll(List.of(id + "a", id + "b", id + "c"));
                    }
                  } else {
                    r = wire.post("/v1/events", "application/cloudevents+json", event(id));
                    if (r.status() == 202) {
                      acknowledged.add(id);
                    }
                  }
                } catch (RuntimeException connectionLost) {
                  return null;
                }
              }
              return null;
            });
      }
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (acknowledged.size() < 1500 && System.nanoTime() < until) {
        Thread.sleep(50);
      }
      int ackedBeforeKill = acknowledged.size();
      first.kill();
      stop.set(true);
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
      System.out.printf(
          "killed the node after %d requests, %d events acknowledged (%d at the kill)%n",
          sent.get(), acknowledged.size(), ackedBeforeKill);
      assertThat(ackedBeforeKill).as("events acknowledged before the kill").isGreaterThan(100);

      second = ChildNode.start(classPath, dir.resolve("data"), dir.resolve("run-2.log"));
      Wire after = second.wire();
      List<Map<String, Object>> stored = after.storedEvents("source=/crash");
      List<String> ids = new ArrayList<>();
      stored.forEach(e -> ids.add((String) ((Map<String, Object>) e.get("event")).get("id")));
      Set<String> unique = new HashSet<>(ids);

      assertThat(unique).as("stored events are unique").hasSameSizeAs(ids);
      assertThat(unique).as("every acknowledged event is stored").containsAll(acknowledged);
      String someId = acknowledged.iterator().next();
      Wire.Response again = after.post("/v1/events", "application/cloudevents+json", event(someId));
      assertThat(again.status()).as("a resent acknowledged event is a duplicate").isEqualTo(200);
      System.out.printf(
          "after restart: %d stored, all %d acknowledged among them%n",
          ids.size(), acknowledged.size());
      passed = true;
    } finally {
      if (second != null) {
        second.kill();
      }
      if (first != null) {
        first.kill();
        if (!passed) {
          System.out.println("==== log of the first node\n" + first.logText());
        }
      }
      if (passed) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  private static String event(String id) {
    return "{\"specversion\":\"1.0\",\"id\":\""
        + id
        + "\",\"source\":\"/crash\",\"type\":\"load.tick\",\"data\":{\"id\":\""
        + id
        + "\",\"payload\":\"0123456789abcdef0123456789abcdef\"}}";
  }
}
