package io.sluice.ingestion.event;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.problem.ProblemException;

/**
 * One event of a submission, read: either the envelope ({@code event}) or why it cannot be one
 * ({@code rejection}).
 *
 * @param index its position in a batch (0 for a single event)
 * @param event the envelope, null when rejected
 * @param rejection why it was refused, null when read
 * @param source its source as sent, when it had one (for the dead letter)
 * @param eventId its id as sent, when it had one (for the dead letter)
 * @param content the event as received (JSON text, or headers and body in binary mode)
 */
public record Entry(
    int index,
    CloudEvent event,
    ProblemException rejection,
    String source,
    String eventId,
    String content) {
  public static Entry read(int index, CloudEvent event, String content) {
    return new Entry(index, event, null, event.source(), event.id(), content);
  }

  public static Entry rejected(
      int index, ProblemException why, String source, String eventId, String content) {
    return new Entry(index, null, why, source, eventId, content);
  }
}
