package io.sluice.ingestion.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Refused inputs with their reasons, kept for a bounded time. A dead letter is never an accepted
 * event: nothing routes it, and the event store holds nothing of it.
 *
 * <p>Contract: futures complete on the caller's Vert.x context; {@link #record} succeeds once the
 * write is acknowledged.
 */
public interface DeadLetters {
  /** A page of dead letters, newest first, and the cursor of the next page (null on the last). */
  record Page(List<DeadLetter> items, String next) {}

  Future<Void> record(DeadLetter letter);

  /** Dead letters newest first, before the cursor {@code before} (null: from the newest). */
  Future<Page> list(String before, int limit);

  /** Removes every dead letter refused before {@code cutoff}; answers how many. */
  Future<Long> removeBefore(Instant cutoff);
}
