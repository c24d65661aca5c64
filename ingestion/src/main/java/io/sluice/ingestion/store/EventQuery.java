package io.sluice.ingestion.store;

import java.time.Instant;

/**
 * A page request over stored events, newest first. Null filters match everything.
 *
 * @param type only events of this CloudEvents type
 * @param source only events from this source
 * @param eventId only the event with this CloudEvents id (with {@code source}: its identity)
 * @param since only events received at or after this instant
 * @param before only events whose store id sorts before this one (the cursor of the previous page)
 * @param limit at most this many (1..500)
 */
public record EventQuery(
    String type, String source, String eventId, Instant since, String before, int limit) {}
