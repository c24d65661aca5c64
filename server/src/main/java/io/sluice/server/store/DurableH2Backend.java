package io.sluice.server.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;
import java.util.Locale;
import java.util.Set;

/**
 * An {@link H2Backend} that commits the MVStore before a command's reply is sent, so an
 * acknowledged write survives the process being killed.
 *
 * <p>The stock backend leaves committing to the MVStore's background writer (about once a second),
 * so {@code kill -9} loses up to a second of acknowledged writes. Every wire path ends here: OP_MSG
 * goes through {@code handleMessage} and OP_QUERY commands through the command handler, both into
 * {@link #handleCommand}; legacy OP_QUERY reads do not write.
 *
 * <p>Reads commit too (a no-op when nothing changed), so no reply ever shows a document that is not
 * yet on disk. Concurrent writers share commits: {@code MVStore.commit()} waits for the store lock
 * and then writes whatever is unsaved, which is often another connection's change as well. Writes
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

  /**
   * @param fileName the MVStore file
   * @param commitEachCommand false only to measure the stock behaviour
   */
  DurableH2Backend(String fileName, boolean commitEachCommand) {
    super(fileName);
    this.commitEachCommand = commitEachCommand;
  }

  @Override
  public Document handleCommand(Channel channel, String db, String command, Document query) {
    Document reply;
    try {
      reply = super.handleCommand(channel, db, command, query);
    } catch (RuntimeException e) {
      // a failed command may have written part of its work (an ordered insert stopped by a
      // duplicate key): persist what the client may have been told about
      try {
        commitIfNeeded(command);
      } catch (RuntimeException commitFailure) {
        e.addSuppressed(commitFailure);
      }
      throw e;
    }
    commitIfNeeded(command);
    return reply;
  }

  private void commitIfNeeded(String command) {
    if (commitEachCommand && !NO_DATA.contains(command.toLowerCase(Locale.ROOT))) {
      commit();
    }
  }
}
