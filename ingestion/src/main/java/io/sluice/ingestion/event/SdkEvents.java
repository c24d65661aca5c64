package io.sluice.ingestion.event;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import java.net.URI;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Converts envelopes read by the CloudEvents SDK into Sluice's {@link CloudEvent} record. */
final class SdkEvents {
  private SdkEvents() {}

  /** The SDK's event with {@code data} already decoded by the caller. */
  static CloudEvent toSluice(io.cloudevents.CloudEvent e, Object data) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    for (String name : e.getExtensionNames()) {
      extensions.put(name, extensionValue(e.getExtension(name)));
    }
    URI dataschema = e.getDataSchema();
    OffsetDateTime time = e.getTime();
    return new CloudEvent(
        e.getId(),
        e.getSource().toString(),
        e.getType(),
        time == null ? null : time.toInstant(),
        e.getSubject(),
        e.getDataContentType(),
        dataschema == null ? null : dataschema.toString(),
        data,
        extensions);
  }

  private static Object extensionValue(Object value) {
    if (value instanceof byte[] bytes) {
      return Base64.getEncoder().encodeToString(bytes);
    }
    if (value instanceof OffsetDateTime t) {
      return t.toInstant().toString();
    }
    if (value instanceof URI uri) {
      return uri.toString();
    }
    return Json.normalize(value);
  }
}
