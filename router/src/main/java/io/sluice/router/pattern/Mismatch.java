package io.sluice.router.pattern;

import java.util.List;
import java.util.Objects;

/**
 * Why an event does not match a pattern: the first condition (in the pattern's order) that failed.
 *
 * @param path JSON Pointer into the event of the field that failed ({@code /data/total}); {@code
 *     ""} for the event itself (an {@code $or} at the top level)
 * @param patternPointer JSON Pointer into the pattern of the condition that failed ({@code
 *     /data/total}, or {@code /$or} for a failed {@code $or})
 * @param expected what the pattern wants, in prose ({@code numeric > 100})
 * @param actual what the event has, in prose ({@code got 42}, {@code it is missing})
 * @param causes for a failed {@code $or}: why each alternative failed; for a nested pattern over an
 *     array: why the first elements failed; otherwise empty
 */
public record Mismatch(
    String path, String patternPointer, String expected, String actual, List<Mismatch> causes) {
  public Mismatch {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(patternPointer, "patternPointer");
    Objects.requireNonNull(expected, "expected");
    Objects.requireNonNull(actual, "actual");
    causes = List.copyOf(causes);
  }

  static Mismatch of(String path, String patternPointer, String expected, String actual) {
    return new Mismatch(path, patternPointer, expected, actual, List.of());
  }

  /**
   * One line a user can act on: {@code /data/total: expected numeric > 100, but got 42}; causes
   * follow, numbered: {@code ...: [1] /a: expected 1, but got 2; [2] ...}.
   */
  public String message() {
    StringBuilder out = new StringBuilder();
    out.append(path.isEmpty() ? "event" : path)
        .append(": expected ")
        .append(expected)
        .append(", but ")
        .append(actual);
    if (!causes.isEmpty()) {
      out.append(": ");
      for (int i = 0; i < causes.size(); i++) {
        if (i > 0) {
          out.append("; ");
        }
        out.append('[').append(i + 1).append("] ").append(causes.get(i).message());
      }
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return message();
  }
}
