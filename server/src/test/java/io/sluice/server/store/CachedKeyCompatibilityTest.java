package io.sluice.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store file written by mongo-java-server's stock H2 backend opens with the embedded store's
 * cached-key indexes: same key order, same format, so every look-up and uniqueness check still
 * holds (and the other way round).
 */
class CachedKeyCompatibilityTest {
  @TempDir Path dir;

  private static final int N = 3_000;

  private static List<Document> documents() {
    List<Document> out = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      out.add(new Document("_id", "id-" + i).append("wf", "w" + (i % 7)).append("key", (long) i));
    }
    return out;
  }

  private static void write(String uri) {
    try (MongoClient client = MongoClients.create(uri)) {
      MongoCollection<Document> c = client.getDatabase("sluice").getCollection("things");
      c.createIndex(Indexes.ascending("wf", "key"), new IndexOptions().unique(true));
      c.insertMany(documents());
    }
  }

  private static void check(String uri) {
    try (MongoClient client = MongoClients.create(uri)) {
      MongoCollection<Document> c = client.getDatabase("sluice").getCollection("things");
      for (int i = 0; i < N; i += 37) {
        assertThat(c.find(new Document("_id", "id-" + i)).first()).as("by _id %d", i).isNotNull();
        assertThat(c.find(new Document("wf", "w" + (i % 7)).append("key", (long) i)).first())
            .as("by the unique index %d", i)
            .isNotNull();
      }
      assertThatThrownBy(() -> c.insertOne(new Document("_id", "id-5")))
          .isInstanceOfSatisfying(
              MongoWriteException.class,
              e -> assertThat(e.getError().getCategory()).isEqualTo(ErrorCategory.DUPLICATE_KEY));
      assertThatThrownBy(
              () -> c.insertOne(new Document("_id", "other").append("wf", "w5").append("key", 5L)))
          .isInstanceOf(MongoWriteException.class);
      assertThat(c.countDocuments()).isEqualTo(N);
    }
  }

  @Test
  void aFileOfTheStockBackendWorksWithCachedKeysAndBack() {
    String file = dir.resolve(EmbeddedMongo.FILE_NAME).toString();
    MongoServer stock = new MongoServer(new H2Backend(file));
    try {
      write(stock.bindAndGetConnectionString());
    } finally {
      stock.shutdown();
    }

    try (EmbeddedMongo ours = EmbeddedMongo.start(dir)) {
      check(ours.connectionString());
      try (MongoClient client = MongoClients.create(ours.connectionString())) {
        client
            .getDatabase("sluice")
            .getCollection("things")
            .insertOne(new Document("_id", "id-new").append("wf", "w1").append("key", -1L));
      }
    }

    MongoServer again = new MongoServer(new H2Backend(file));
    try {
      String uri = again.bindAndGetConnectionString();
      try (MongoClient client = MongoClients.create(uri)) {
        assertThat(
                client
                    .getDatabase("sluice")
                    .getCollection("things")
                    .find(new Document("_id", "id-new"))
                    .first())
            .isNotNull();
      }
    } finally {
      again.shutdown();
    }
  }
}
