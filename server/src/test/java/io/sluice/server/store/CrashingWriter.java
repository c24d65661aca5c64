package io.sluice.server.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.bson.Document;
import org.slf4j.LoggerFactory;

/**
 * Child process of {@link EmbeddedMongoDurabilityTest}: writes through every write path from
 * several threads until killed, printing {@code ack <id>} after each acknowledged write.
 *
 * <p>Arguments: data directory, then {@code commit} or {@code nocommit} (stock behaviour).
 */
final class CrashingWriter {

  static final String COLLECTION = "crash";

  private CrashingWriter() {}

  public static void main(String[] args) throws InterruptedException {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    PrintStream out = new PrintStream(System.out, true);
    EmbeddedMongo store =
        EmbeddedMongo.start(Path.of(args[0]), args[1].equals("commit"), EmbeddedMongo.IO_THREADS);
    MongoClient client = MongoClients.create(store.connectionString());
    MongoCollection<Document> docs = client.getDatabase("sluice").getCollection(COLLECTION);
    docs.insertOne(new Document("_id", "counter").append("n", 0));
    out.println("ready");
    List<Thread> writers = new ArrayList<>();
    writers.add(writer(i -> insertOne(docs, out, i)));
    writers.add(writer(i -> insertMany(docs, out, i)));
    writers.add(writer(i -> bulkUpserts(docs, out, i)));
    writers.add(writer(i -> findOneAndUpdate(docs, out, i)));
    writers.forEach(Thread::start);
    new CountDownLatch(1).await(); // until killed
  }

  private interface Step {
    void run(int i);
  }

  private static Thread writer(Step step) {
    return new Thread(
        () -> {
          for (int i = 0; ; i++) {
            step.run(i);
          }
        });
  }

  private static void insertOne(MongoCollection<Document> docs, PrintStream out, int i) {
    docs.insertOne(new Document("_id", "one-" + i));
    out.println("ack one-" + i);
  }

  private static void insertMany(MongoCollection<Document> docs, PrintStream out, int i) {
    List<Document> batch = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      batch.add(new Document("_id", "many-" + i + "-" + k));
    }
    docs.insertMany(batch);
    batch.forEach(d -> out.println("ack " + d.get("_id")));
  }

  private static void bulkUpserts(MongoCollection<Document> docs, PrintStream out, int i) {
    List<UpdateOneModel<Document>> models = new ArrayList<>();
    for (int k = 0; k < 4; k++) {
      models.add(
          new UpdateOneModel<>(
              Filters.eq("_id", "bulk-" + i + "-" + k),
              Updates.set("v", k),
              new UpdateOptions().upsert(true)));
    }
    docs.bulkWrite(models);
    for (int k = 0; k < 4; k++) {
      out.println("ack bulk-" + i + "-" + k);
    }
  }

  private static void findOneAndUpdate(MongoCollection<Document> docs, PrintStream out, int i) {
    Document before = docs.findOneAndUpdate(Filters.eq("_id", "counter"), Updates.set("n", i + 1));
    if (before == null) {
      throw new IllegalStateException("counter missing");
    }
    out.println("ack counter=" + (i + 1));
  }
}
