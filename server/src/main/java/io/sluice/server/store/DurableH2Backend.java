package io.sluice.server.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.h2.mvstore.MVStore;

/**
 * An {@link H2Backend} that commits the MVStore before a command's reply is sent, so an
 * acknowledged write survives the process being killed.
 *
 * <p>The stock backend leaves committing to the MVStore's background writer (about once a second),
 * so {@code kill -9} loses up to a second of acknowledged writes. Every wire path ends here: OP_MSG
 * goes through {@code handleMessage} and OP_QUERY commands through the command handler, both into
 * {@link #handleCommand}; legacy OP_QUERY reads do not write.
 *
 * <p><b>Atomic commands.</b> mongo-java-server applies one insert as several map writes (the
 * document, then each index) without a transaction. If a commit lands between them, a crash leaves
 * a document missing from an index (seen: a unique key index missing an entry, so a key got two
 * instances after a restart). So the MVStore never commits on its own (auto-commit disabled), and a
 * commit only happens when no command is half-applied: commands run under the shared side of a
 * read-write lock, commits under the exclusive side.
 *
 * <p><b>Group commit.</b> After its command, a connection commits only if no commit has happened
 * since its command ran (the store version moved on); one commit carries every command finished
 * before it. Reads take the same path, so no reply shows a document that is not on disk yet. Writes
 * reach the OS page cache, which survives the process; they are not fsync'ed, so a power loss may
 * still lose the last writes.
 */
final class DurableH2Backend extends H2Backend {

  /** Commands that neither write nor return stored data: no commit needed. */
  private static final Set<String> NO_DATA =
      Set.of(
          "hello",
          "ismaster",
          "ping",
          "buildinfo",
          "whatsmyuri",
          "getlasterror",
          "endsessions",
          "killcursors",
          "hostinfo",
          "getcmdlineopts",
          "getparameter",
          "getfreemonitoringstatus",
          "connectionstatus",
          "serverstatus",
          "getlog",
          "replsetgetstatus");

  private final boolean commitEachCommand;
  private final LongAdder commits = new LongAdder();
  private final LongAdder commitNanos = new LongAdder();

  /** Commit calls, time spent in them, and MVStore versions written (background ones too). */
  record Stats(long commitCalls, long commitNanos, long versions) {}

  /**
   * @param fileName the MVStore file
   * @param commitEachCommand false only to measure the stock behaviour
   */
  DurableH2Backend(String fileName, boolean commitEachCommand) {
    super(open(fileName, commitEachCommand));
    this.commitEachCommand = commitEachCommand;
  }

  private static MVStore open(String fileName, boolean commitEachCommand) {
    MVStore.Builder builder = new MVStore.Builder().fileName(fileName);
    return commitEachCommand ? builder.autoCommitDisabled().open() : builder.open();
  }

  /** Databases whose unique indexes compare keys without serializing them each time. */
  @Override
  protected de.bwaldvogel.mongo.MongoDatabase openOrCreateDatabase(String name) {
    return new de.bwaldvogel.mongo.backend.h2.CachedKeyH2Database(
        name, getMvStore(), getCursorRegistry());
  }

  private final ReentrantReadWriteLock commands = new ReentrantReadWriteLock();

  @Override
  public Document handleCommand(Channel channel, String db, String command, Document query) {
    if (!commitEachCommand || NO_DATA.contains(command.toLowerCase(Locale.ROOT))) {
      return super.handleCommand(channel, db, command, query);
    }
    Document reply;
    long version;
    commands.readLock().lock();
    try {
      reply = super.handleCommand(channel, db, command, query);
      version = getMvStore().getCurrentVersion();
    } catch (RuntimeException e) {
      // a failed command may have written part of its work (an ordered insert stopped by a
      // duplicate key): persist what the client may have been told about
      long failedIn = getMvStore().getCurrentVersion();
      commands.readLock().unlock();
      try {
        commitPast(failedIn);
      } catch (RuntimeException commitFailure) {
        e.addSuppressed(commitFailure);
      }
      throw e;
    }
    commands.readLock().unlock();
    commitPast(version);
    return reply;
  }

  /** Returns once the changes of store version {@code version} (and before) are committed. */
  private void commitPast(long version) {
    MVStore store = getMvStore();
    if (store.getCurrentVersion() > version || !store.hasUnsavedChanges()) {
      return; // a later commit carried it, or there was nothing to write
    }
    commands.writeLock().lock();
    try {
      if (store.getCurrentVersion() <= version && store.hasUnsavedChanges()) {
        long start = System.nanoTime();
        store.commit();
        commitNanos.add(System.nanoTime() - start);
        commits.increment();
      }
    } finally {
      commands.writeLock().unlock();
    }
  }

  Stats stats() {
    return new Stats(commits.sum(), commitNanos.sum(), getMvStore().getCurrentVersion());
  }
}
