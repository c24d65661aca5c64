package io.sluice.ingestion.admission;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.IdGenerator;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.ingestion.event.Entry;
import io.sluice.ingestion.schema.Schemas;
import io.sluice.ingestion.store.DeadLetter;
import io.sluice.ingestion.store.DeadLetters;
import io.sluice.ingestion.store.EventStore;
import io.sluice.ingestion.store.EventStore.Insertion;
import io.sluice.ingestion.store.StoredEvent;
import io.sluice.platform.UnroutedEvents;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path every event takes into Sluice, whatever its entry point: check its data against its
 * schema, store it once per identity, then publish it on the event bus ({@link #ADDRESS}). A
 * refused event is recorded as a dead letter and nothing else.
 *
 * <p>Ordering: an event is published only after the store acknowledged it, and its producer is
 * answered after that; a duplicate is answered with the original record and not published again.
 * Call from a Vert.x context; futures complete on it.
 */
public final class Admission {
  /** The event-bus address of every accepted event (a {@link CloudEvent}, local codec). */
  public static final String ADDRESS = "sluice.events";

  /** The delivery header carrying the store id of a published event. */
  public static final String STORE_ID_HEADER = "storeId";

  /** The delivery header carrying when a published event was received (epoch milliseconds). */
  public static final String RECEIVED_AT_HEADER = "receivedAt";

  private static final Logger log = LoggerFactory.getLogger(Admission.class);

  private final Schemas schemas;
  private final EventStore store;
  private final DeadLetters deadLetters;
  private final EventBus bus;
  private final Clock clock;
  private final IdGenerator ids;
  private final boolean requireSchema;
  private final UnroutedEvents unrouted;

  public Admission(
      Schemas schemas,
      EventStore store,
      DeadLetters deadLetters,
      EventBus bus,
      Clock clock,
      IdGenerator ids,
      boolean requireSchema,
      UnroutedEvents unrouted) {
    this.unrouted = unrouted;
    this.schemas = schemas;
    this.store = store;
    this.deadLetters = deadLetters;
    this.bus = bus;
    this.clock = clock;
    this.ids = ids;
    this.requireSchema = requireSchema;
  }

  /** Admits one event; {@code channel} names the entry point in dead letters. */
  public Future<Outcome> admit(Entry entry, String channel) {
    return admitAll(List.of(entry), channel).map(all -> all.get(0));
  }

  /**
   * Admits a batch: each entry on its own (a refused entry does not refuse the others), the
   * accepted ones stored in one round trip. Outcomes are in the entries' order.
   */
  public Future<List<Outcome>> admitAll(List<Entry> entries, String channel) {
    List<Future<Object>> checked = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      checked.add(check(entry));
    }
    return Future.join(checked)
        .transform(
            ignored -> {
              Outcome[] outcomes = new Outcome[entries.size()];
              List<StoredEvent> accepted = new ArrayList<>();
              List<Integer> positions = new ArrayList<>();
              List<Future<Void>> letters = new ArrayList<>();
              Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
              for (int i = 0; i < entries.size(); i++) {
                Future<Object> f = checked.get(i);
                if (f.succeeded()) {
                  accepted.add(
                      new StoredEvent(
                          ids.next(), now, (Integer) f.result(), entries.get(i).event()));
                  positions.add(i);
                } else if (f.cause() instanceof ProblemException p) {
                  outcomes[i] = new Outcome.Rejected(p);
                  letters.add(deadLetter(channel, entries.get(i), p));
                } else {
                  return Future.failedFuture(f.cause());
                }
              }
              // pending until routed: the router's checkpoint waits for them (UnroutedEvents)
              accepted.forEach(e -> unrouted.accepting(e.receivedAt()));
              Future<List<Insertion>> stored =
                  accepted.size() == 1
                      ? store.insert(accepted.get(0)).map(List::of)
                      : store.insertAll(accepted);
              return stored
                  .compose(
                      insertions -> {
                        for (int k = 0; k < insertions.size(); k++) {
                          Insertion in = insertions.get(k);
                          outcomes[positions.get(k)] =
                              new Outcome.Accepted(in.record(), in.duplicate());
                          if (!in.duplicate()) {
                            publish(in.record(), now);
                          } else {
                            unrouted.done(now);
                          }
                        }
                        return Future.join(letters);
                      },
                      failed -> {
                        accepted.forEach(e -> unrouted.done(e.receivedAt()));
                        return Future.failedFuture(failed);
                      })
                  .map(done -> List.of(outcomes));
            });
  }

  /** Records a refusal that happened before any event could be read (e.g. malformed JSON). */
  public Future<Void> refused(String channel, ProblemException why, String content) {
    return deadLetter(channel, Entry.rejected(0, why, null, null, content), why);
  }

  /** The schema version the event's data validated against (null: none), or a 422 failure. */
  private Future<Object> check(Entry entry) {
    if (entry.rejection() != null) {
      return Future.failedFuture(entry.rejection());
    }
    CloudEvent event = entry.event();
    return schemas
        .check(event, requireSchema)
        .compose(
            c -> {
              if (c.problems().isEmpty()) {
                return Future.succeededFuture(c.version());
              }
              return Future.failedFuture(
                  new ProblemException(
                      Kind.UNPROCESSABLE,
                      "the event's data does not match version "
                          + c.version()
                          + " of the schema of '"
                          + event.type()
                          + "'",
                      c.problems()));
            });
  }

  private void publish(StoredEvent record, Instant receivedAt) {
    bus.publish(
        ADDRESS,
        record.event(),
        new DeliveryOptions()
            .addHeader(STORE_ID_HEADER, record.id())
            .addHeader(RECEIVED_AT_HEADER, Long.toString(receivedAt.toEpochMilli()))
            .setLocalOnly(true));
  }

  private Future<Void> deadLetter(String channel, Entry entry, ProblemException why) {
    DeadLetter letter =
        new DeadLetter(
            ids.next(),
            clock.instant(),
            channel,
            why.kind().status(),
            why.getMessage(),
            why.problems(),
            entry.source(),
            entry.eventId(),
            entry.content());
    // the producer's answer does not depend on the dead letter: a failed write is logged, not fatal
    return deadLetters
        .record(letter)
        .recover(
            e -> {
              log.warn("could not keep a dead letter from {}: {}", channel, e.toString());
              return Future.succeededFuture();
            });
  }
}
