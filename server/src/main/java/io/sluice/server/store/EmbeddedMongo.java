package io.sluice.server.store;

import de.bwaldvogel.mongo.MongoServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded store: a MongoDB-wire-compatible server (mongo-java-server) on 127.0.0.1 and a free
 * port, persisting to {@code <dataDir>/sluice.mv}. Every command is committed to the file before
 * its reply (see {@link DurableH2Backend}), so acknowledged writes survive {@code kill -9}. The
 * file is locked while open: a second process on the same directory fails to start.
 */
public final class EmbeddedMongo implements AutoCloseable {

  public static final String FILE_NAME = "sluice.mv";

  /**
   * Server I/O threads; 0 is Netty's default (twice the cores). Commands run under the shared side
   * of {@link DurableH2Backend}'s lock and commits under the exclusive side, so more threads only
   * make each commit wait for more commands in flight: 32 threads gave no more single-document
   * writes/s than the default and about half the bulkWrite rate (docs/benchmarks.md).
   */
  static final int IO_THREADS = 0;

  private final MongoServer server;
  private final DurableH2Backend backend;
  private final Path file;
  private final String connectionString;

  private EmbeddedMongo(Path file, boolean commitEachWrite, int workerThreads) {
    this.file = file;
    this.backend = new DurableH2Backend(file.toString(), commitEachWrite);
    this.server = new MongoServer(backend);
    try {
      server.bind(new InetSocketAddress("127.0.0.1", 0), 1, workerThreads);
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
    this.connectionString = server.getConnectionString();
  }

  /** Starts the store on {@code dataDir}, creating the directory if needed. Blocking. */
  public static EmbeddedMongo start(Path dataDir) {
    return start(dataDir, true, IO_THREADS);
  }

  /**
   * {@code commitEachWrite=false} is the stock (about once a second) behaviour, to measure; {@code
   * workerThreads} 0 is Netty's default (twice the cores).
   */
  static EmbeddedMongo start(Path dataDir, boolean commitEachWrite, int workerThreads) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir, e);
    }
    return new EmbeddedMongo(dataDir.resolve(FILE_NAME), commitEachWrite, workerThreads);
  }

  /** {@code mongodb://127.0.0.1:<port>}, for {@code MongoClients.create}. */
  public String connectionString() {
    return connectionString;
  }

  /** The store file. */
  public Path file() {
    return file;
  }

  /**
   * Disconnects clients, stops the server and closes the store file cleanly. Close the
   * application's clients first. Blocking.
   */
  @Override
  public void close() {
    // shutdownNow also closes the backend, which commits and marks the file cleanly closed
    server.shutdownNow();
  }

  /** Commit statistics, for measurements. */
  DurableH2Backend.Stats stats() {
    return backend.stats();
  }

  @Override
  public String toString() {
    return "EmbeddedMongo[" + connectionString + ", " + file + "]";
  }
}
