package io.sluice.definition;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;

/** Reads durations, timestamps and time zones of a definition, reporting each bad one. */
final class TimeValues {
  static final String DURATION = "an ISO-8601 duration such as PT30S or P1D";
  static final String TIMESTAMP =
      "an ISO-8601 timestamp with an offset such as 2025-01-31T09:00:00Z";

  private TimeValues() {}

  /** A duration that must be greater than zero (timeouts); null when absent or bad. */
  static Duration positive(DocNode node, Compilation c) {
    Duration d = duration(node, c);
    if (d != null && (d.isNegative() || d.isZero())) {
      c.add(node.pointer(), "expected a positive duration, but got " + node.describe());
      return null;
    }
    return d;
  }

  /** A duration that may be zero but not negative (intervals, delays); null when absent or bad. */
  static Duration nonNegative(DocNode node, Compilation c) {
    Duration d = duration(node, c);
    if (d != null && d.isNegative()) {
      c.add(node.pointer(), "expected a duration of zero or more, but got " + node.describe());
      return null;
    }
    return d;
  }

  private static Duration duration(DocNode node, Compilation c) {
    if (!node.present()) {
      return null;
    }
    String text = node.asString();
    if (text == null) {
      // not a string: the schema reported it (callers check `with` members themselves)
      return null;
    }
    try {
      return Duration.parse(text);
    } catch (DateTimeParseException e) {
      c.add(node.pointer(), "expected " + DURATION + ", but got " + node.describe());
      return null;
    }
  }

  /** An ISO-8601 timestamp with an offset; null when absent or bad. */
  static OffsetDateTime timestamp(DocNode node, Compilation c) {
    if (!node.present()) {
      return null;
    }
    String text = node.asString();
    if (text == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(text);
    } catch (DateTimeParseException e) {
      c.add(node.pointer(), "expected " + TIMESTAMP + ", but got " + node.describe());
      return null;
    }
  }

  /** An IANA time zone id (or an offset such as +02:00); null when absent or bad. */
  static ZoneId zone(DocNode node, Compilation c) {
    String text = node.asString();
    if (text == null) {
      return null;
    }
    try {
      return ZoneId.of(text);
    } catch (DateTimeException e) {
      c.add(
          node.pointer(),
          "expected an IANA time zone such as Europe/Berlin or UTC, but got " + node.describe());
      return null;
    }
  }
}
