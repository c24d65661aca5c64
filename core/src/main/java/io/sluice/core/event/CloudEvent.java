package io.sluice.core.event;

import java.time.Instant;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A CloudEvents 1.0 envelope as Sluice keeps it: the required attributes, the optional ones (null
 * when absent), {@code data} as a normalized JSON value, and extension attributes by name.
 */
public record CloudEvent(
    String id,
    String source,
    String type,
    Instant time,
    String subject,
    String datacontenttype,
    String dataschema,
    Object data,
    Map<String, Object> extensions) {
  public static final String SPEC_VERSION = "1.0";

  public CloudEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(type, "type");
    extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
  }

  public static CloudEvent of(String id, String source, String type, Instant time, Object data) {
    return new CloudEvent(id, source, type, time, null, "application/json", null, data, Map.of());
  }

  public CloudEvent withSubject(String newSubject) {
    return new CloudEvent(
        id, source, type, time, newSubject, datacontenttype, dataschema, data, extensions);
  }

  /** {@code source/id}: what makes an event unique (a duplicate has the same identity). */
  public String identity() {
    return source + "/" + id;
  }

  /**
   * {@link #toMap()} as a read-only view: a look-up reads the record's field (and formats {@code
   * time} only when it is read), without building the map. For expressions that read a field or two
   * of an event, such as trigger guards; equal to {@link #toMap()} in every entry.
   */
  public Map<String, Object> asMap() {
    return new StructuredView(this);
  }

  private static final class StructuredView extends AbstractMap<String, Object> {
    private static final Object ABSENT = new Object();
    private final CloudEvent event;
    private Map<String, Object> whole; // toMap(), built when something iterates

    StructuredView(CloudEvent event) {
      this.event = event;
    }

    /** What toMap() holds for the key: its later puts (data, then extensions) win. */
    private Object lookUp(Object key) {
      if ("data".equals(key) && event.data != null) {
        return event.data;
      }
      if (event.extensions.containsKey(key)) {
        return event.extensions.get(key);
      }
      if (!(key instanceof String name)) {
        return ABSENT;
      }
      Object value =
          switch (name) {
            case "specversion" -> SPEC_VERSION;
            case "id" -> event.id;
            case "source" -> event.source;
            case "type" -> event.type;
            case "time" -> event.time == null ? null : event.time.toString();
            case "subject" -> event.subject;
            case "datacontenttype" -> event.datacontenttype;
            case "dataschema" -> event.dataschema;
            default -> null;
          };
      return value == null ? ABSENT : value;
    }

    @Override
    public Object get(Object key) {
      Object value = lookUp(key);
      return value == ABSENT ? null : value;
    }

    @Override
    public boolean containsKey(Object key) {
      return lookUp(key) != ABSENT;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      if (whole == null) {
        whole = Collections.unmodifiableMap(event.toMap());
      }
      return whole.entrySet();
    }
  }

  /** The structured-mode JSON form: attributes at the top level, extensions beside them. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("specversion", SPEC_VERSION);
    out.put("id", id);
    out.put("source", source);
    out.put("type", type);
    if (time != null) {
      out.put("time", time.toString());
    }
    if (subject != null) {
      out.put("subject", subject);
    }
    if (datacontenttype != null) {
      out.put("datacontenttype", datacontenttype);
    }
    if (dataschema != null) {
      out.put("dataschema", dataschema);
    }
    out.putAll(extensions);
    if (data != null) {
      out.put("data", data);
    }
    return out;
  }

  /** Reads the structured-mode form written by {@link #toMap()} (trusted input, e.g. the store). */
  @SuppressWarnings("unchecked")
  public static CloudEvent fromMap(Map<String, Object> map) {
    Map<String, Object> extensions = new LinkedHashMap<>();
    map.forEach(
        (k, v) -> {
          switch (k) {
            case "specversion",
                "id",
                "source",
                "type",
                "time",
                "subject",
                "datacontenttype",
                "dataschema",
                "data",
                "data_base64" -> {}
            default -> extensions.put(k, v);
          }
        });
    Object time = map.get("time");
    return new CloudEvent(
        (String) map.get("id"),
        (String) map.get("source"),
        (String) map.get("type"),
        time == null ? null : Instant.parse(time.toString()),
        (String) map.get("subject"),
        (String) map.get("datacontenttype"),
        (String) map.get("dataschema"),
        map.get("data"),
        extensions);
  }
}
