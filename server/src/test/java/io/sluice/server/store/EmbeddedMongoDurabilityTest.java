package io.sluice.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedMongoDurabilityTest {

  private static final int ACKS_BEFORE_KILL = 2_000;

  @TempDir Path dataDir;

  @Test
  void shouldKeepEveryAcknowledgedWriteWhenTheProcessIsKilled() throws Exception {
    // given a child process writing through every write path, printing each acknowledgement
    Process child = startWriter(dataDir, "commit");
    Queue<String> acked = new ConcurrentLinkedQueue<>();
    Thread reader = readAcks(child, acked);
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> acked.size() >= ACKS_BEFORE_KILL || !child.isAlive());
    assertThat(child.isAlive()).as("writer still running").isTrue();

    // when it is killed with SIGKILL in the middle of writing
    child.destroyForcibly();
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(30));

    // then a restarted store has every acknowledged write
    long lastCounter = 0;
    Set<String> ids = new HashSet<>();
    for (String ack : acked) {
      if (ack.startsWith("counter=")) {
        lastCounter = Math.max(lastCounter, Long.parseLong(ack.substring("counter=".length())));
      } else {
        ids.add(ack);
      }
    }
    try (EmbeddedMongo store = EmbeddedMongo.start(dataDir);
        MongoClient client = MongoClients.create(store.connectionString())) {
      MongoCollection<Document> docs =
          client.getDatabase("sluice").getCollection(CrashingWriter.COLLECTION);
      Set<Object> stored = new HashSet<>();
      docs.find().projection(new Document("_id", 1)).forEach(d -> stored.add(d.get("_id")));
      assertThat(stored).containsAll(ids);
      Document counter = docs.find(Filters.eq("_id", "counter")).first();
      assertThat(counter).isNotNull();
      assertThat(((Number) counter.get("n")).longValue()).isGreaterThanOrEqualTo(lastCounter);
    }
    assertThat(ids).hasSizeGreaterThan(ACKS_BEFORE_KILL / 2);
  }

  @Test
  void shouldReopenAfterACleanClose() {
    try (EmbeddedMongo store = EmbeddedMongo.start(dataDir.resolve("nested/dir"));
        MongoClient client = MongoClients.create(store.connectionString())) {
      assertThat(store.connectionString()).startsWith("mongodb://127.0.0.1:");
      client.getDatabase("sluice").getCollection("c").insertOne(new Document("_id", 1));
    }
    try (EmbeddedMongo store = EmbeddedMongo.start(dataDir.resolve("nested/dir"));
        MongoClient client = MongoClients.create(store.connectionString())) {
      assertThat(store.file()).exists().hasFileName("sluice.mv");
      assertThat(client.getDatabase("sluice").getCollection("c").countDocuments()).isEqualTo(1);
    }
  }

  static Process startWriter(Path dataDir, String mode) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            CrashingWriter.class.getName(),
            dataDir.toString(),
            mode);
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  private static Thread readAcks(Process child, Queue<String> acked) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  if (line.startsWith("ack ")) {
                    acked.add(line.substring(4));
                  }
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            },
            "ack-reader");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }
}
