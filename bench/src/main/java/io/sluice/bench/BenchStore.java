package io.sluice.bench;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.AbstractMongoBackend;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.nio.file.Path;
import java.util.Set;

/**
 * A store server the benchmark owns, so that it can count every command the node sends (the node's
 * own embedded store cannot be observed from outside), and compare the node's durable embedded
 * store with cheaper ones. The node is started with {@code mongo.uri} pointing here: the same wire
 * path as the embedded store.
 *
 * <ul>
 *   <li>{@code h2-background}: H2 file, committed by H2's background writer about once a second
 *       (mongo-java-server's stock behaviour);
 *   <li>{@code memory}: mongo-java-server's in-memory backend, the upper bound of this server.
 * </ul>
 */
final class BenchStore implements AutoCloseable {
  static final Set<String> KINDS = Set.of("h2-background", "memory");

  private final MongoServer server;
  private final CommandCounts counts = new CommandCounts();

  BenchStore(String kind, Path dataDir) {
    AbstractMongoBackend backend =
        switch (kind) {
          case "h2-background" -> new CountingH2(dataDir.resolve("bench.mv").toString(), counts);
          case "memory" -> new CountingMemory(counts);
          default ->
              throw new IllegalArgumentException("expected one of " + KINDS + ", got " + kind);
        };
    server = new MongoServer(backend);
    server.bind("127.0.0.1", 0);
  }

  String connectionString() {
    return server.getConnectionString();
  }

  CommandCounts counts() {
    return counts;
  }

  @Override
  public void close() {
    server.shutdownNow();
  }

  private static final class CountingH2 extends H2Backend {
    private final CommandCounts counts;

    CountingH2(String file, CommandCounts counts) {
      super(file);
      this.counts = counts;
    }

    @Override
    public Document handleCommand(Channel channel, String db, String command, Document query) {
      counts.record(command, query);
      return super.handleCommand(channel, db, command, query);
    }
  }

  private static final class CountingMemory extends MemoryBackend {
    private final CommandCounts counts;

    CountingMemory(CommandCounts counts) {
      this.counts = counts;
    }

    @Override
    public Document handleCommand(Channel channel, String db, String command, Document query) {
      counts.record(command, query);
      return super.handleCommand(channel, db, command, query);
    }
  }
}
