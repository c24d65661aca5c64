package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;

/**
 * Top-level fields of an event read straight from the {@link CloudEvent} record, exactly as {@link
 * CloudEvent#toMap()} would show them, without building the map on the hot path.
 */
final class EventAttributes {
  static final int SPECVERSION = 0;
  static final int ID = 1;
  static final int SOURCE = 2;
  static final int TYPE = 3;
  static final int TIME = 4;
  static final int SUBJECT = 5;
  static final int DATACONTENTTYPE = 6;
  static final int DATASCHEMA = 7;
  static final int DATA = 8;
  static final int EXTENSION = 9;

  private EventAttributes() {}

  static int of(String name) {
    switch (name) {
      case "specversion":
        return SPECVERSION;
      case "id":
        return ID;
      case "source":
        return SOURCE;
      case "type":
        return TYPE;
      case "time":
        return TIME;
      case "subject":
        return SUBJECT;
      case "datacontenttype":
        return DATACONTENTTYPE;
      case "dataschema":
        return DATASCHEMA;
      case "data":
        return DATA;
      default:
        return EXTENSION;
    }
  }

  /** The field's value, or {@link JsonValues#MISSING} when {@code toMap()} would not have it. */
  static Object get(CloudEvent event, int attribute, String name) {
    switch (attribute) {
      case SPECVERSION:
        return CloudEvent.SPEC_VERSION;
      case ID:
        return event.id();
      case SOURCE:
        return event.source();
      case TYPE:
        return event.type();
      case TIME:
        return event.time() == null ? JsonValues.MISSING : event.time().toString();
      case SUBJECT:
        return orMissing(event.subject());
      case DATACONTENTTYPE:
        return orMissing(event.datacontenttype());
      case DATASCHEMA:
        return orMissing(event.dataschema());
      case DATA:
        return orMissing(event.data());
      default:
        Object value = event.extensions().get(name);
        return orMissing(value);
    }
  }

  private static Object orMissing(Object value) {
    return value == null ? JsonValues.MISSING : value;
  }
}
