package io.sluice.ingestion.store;

import io.sluice.core.event.CloudEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An accepted event as the store keeps it.
 *
 * @param id the store's id of the event (time-ordered, unique); not the CloudEvent {@code id}
 * @param receivedAt when this node accepted it
 * @param schemaVersion the registry version its data was validated against, null when none
 * @param event the envelope as received (extensions kept)
 * @param routing what routing the event did (triggers matched, instances started, waiting instances
 *     it was offered to), once it was routed; null before, or when it did nothing
 */
public record StoredEvent(
    String id,
    Instant receivedAt,
    Integer schemaVersion,
    CloudEvent event,
    Map<String, Object> routing) {
  public StoredEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(receivedAt, "receivedAt");
    Objects.requireNonNull(event, "event");
  }

  public StoredEvent(String id, Instant receivedAt, Integer schemaVersion, CloudEvent event) {
    this(id, receivedAt, schemaVersion, event, null);
  }

  /** The JSON form of the API: {@code {id, receivedAt, schemaVersion?, event}}. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("receivedAt", receivedAt.toString());
    if (schemaVersion != null) {
      out.put("schemaVersion", schemaVersion.longValue());
    }
    out.put("event", event.toMap());
    if (routing != null) {
      out.put("routing", routing);
    }
    return out;
  }
}
