package io.sluice.ingestion.event;

import java.util.List;

/**
 * What one {@code POST /v1/events} carried: one event (structured or binary mode) or a batch, each
 * entry read or rejected on its own.
 */
public record Submission(boolean batch, List<Entry> entries) {
  public Submission {
    entries = List.copyOf(entries);
  }
}
