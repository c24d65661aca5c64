package io.sluice.ingestion.admission;

import io.sluice.core.problem.ProblemException;
import io.sluice.ingestion.store.StoredEvent;

/**
 * What became of one submitted event: accepted (newly stored, or a duplicate answered with the
 * original record) or rejected (with every problem; nothing of it stored but a dead letter).
 */
public sealed interface Outcome {
  /** The HTTP status the event gets on its own: 202 new, 200 duplicate, 4xx rejected. */
  int status();

  /** Stored: {@code duplicate} when its identity was stored before; then {@code record} is that. */
  record Accepted(StoredEvent record, boolean duplicate) implements Outcome {
    @Override
    public int status() {
      return duplicate ? 200 : 202;
    }
  }

  /** Refused for {@code reason}. */
  record Rejected(ProblemException reason) implements Outcome {
    @Override
    public int status() {
      return reason.kind().status();
    }
  }
}
