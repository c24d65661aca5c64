package io.sluice.config;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * How a setting's text becomes a typed value. A parser throws {@link IllegalArgumentException} for
 * bad text; the message is then replaced by {@link #expected()} so every error reads the same.
 *
 * @param name short name shown in {@code --help} (int, bool, duration, ...)
 * @param expected what a valid value looks like, completing "expected ..."
 * @param parser text to value; must not accept what it cannot represent exactly
 */
public record ValueType<T>(String name, String expected, Function<String, T> parser) {

  public static final ValueType<String> STRING = new ValueType<>("string", "a string", s -> s);

  public static final ValueType<Long> LONG =
      new ValueType<>("long", "an integer", s -> Long.parseLong(s.trim()));

  public static final ValueType<Boolean> BOOL =
      new ValueType<>("bool", "true or false", ValueType::parseBool);

  public static final ValueType<Duration> DURATION =
      new ValueType<>(
          "duration", "a non-negative ISO-8601 duration such as PT10S", ValueType::parseDuration);

  public static final ValueType<Path> PATH =
      new ValueType<>("path", "a path", ValueType::parsePath);

  /** Comma-separated, trimmed, empty items dropped; an empty text is an empty list. */
  public static final ValueType<List<String>> LIST =
      new ValueType<>(
          "list",
          "a comma-separated list",
          s -> Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList());

  /** An int within [min, max]. */
  public static ValueType<Integer> intBetween(int min, int max) {
    String expected =
        max == Integer.MAX_VALUE
            ? "an integer >= " + min
            : "an integer between " + min + " and " + max;
    return new ValueType<>(
        "int",
        expected,
        s -> {
          int v = Integer.parseInt(s.trim());
          if (v < min || v > max) {
            throw new IllegalArgumentException("out of range");
          }
          return v;
        });
  }

  public T parse(String text) {
    return parser.apply(text);
  }

  private static Boolean parseBool(String s) {
    return switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("not a boolean");
    };
  }

  private static Duration parseDuration(String s) {
    try {
      Duration d = Duration.parse(s.trim());
      if (d.isNegative()) {
        throw new IllegalArgumentException("negative");
      }
      return d;
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  private static Path parsePath(String s) {
    if (s.isBlank()) {
      throw new IllegalArgumentException("empty");
    }
    try {
      return Path.of(s.trim());
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }
}
