package io.sluice.router.pattern;

import io.sluice.core.json.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The event side of matching: field look-up with a distinct "missing" (a field that is absent is
 * not the same as a field that is {@code null}), canonical keys for exact comparison, case folding,
 * and short descriptions of values for explanations.
 */
final class JsonValues {
  /** An absent field. Never equal to anything, including {@code null}. */
  static final Object MISSING =
      new Object() {
        @Override
        public String toString() {
          return "<missing>";
        }
      };

  /** The key of JSON {@code null} in exact-value sets (sets cannot hold {@code null} itself). */
  static final Object NULL_KEY =
      new Object() {
        @Override
        public String toString() {
          return "null";
        }
      };

  private static final double TWO_POW_63 = 0x1p63;
  private static final int DESCRIBE_LIMIT = 80;

  private JsonValues() {}

  /**
   * The value as a JSON object, or null when it is not one. Parsed and normalized JSON ({@link
   * Json#normalize}) is made of {@code LinkedHashMap}, {@code ArrayList} and final scalar classes,
   * so {@link #object} and {@link #array} test those classes first: a test against a class is a
   * constant-time look-up, while a test against an interface ({@code instanceof Map}) that fails
   * scans the class's interfaces on Java 17 (and a successful one after another interface may evict
   * its one-entry cache). Tests against the interfaces still decide for anything else.
   */
  static Map<?, ?> object(Object value) {
    if (value instanceof LinkedHashMap<?, ?> map) {
      return map;
    }
    if (isScalar(value) || value instanceof ArrayList<?>) {
      return null;
    }
    return value instanceof Map<?, ?> map ? map : null;
  }

  /** The value as a JSON array, or null when it is not one; see {@link #object}. */
  static List<?> array(Object value) {
    if (value instanceof ArrayList<?> list) {
      return list;
    }
    if (isScalar(value) || value instanceof LinkedHashMap<?, ?>) {
      return null;
    }
    return value instanceof List<?> list ? list : null;
  }

  /** Whether the value is a JSON scalar of a normalized tree (class tests only). */
  private static boolean isScalar(Object value) {
    return value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean;
  }

  /** The value of {@code name} in {@code container}, or {@link #MISSING} (also for non-objects). */
  static Object field(Object container, String name) {
    Map<?, ?> map = object(container);
    if (map != null) {
      Object value = map.get(name);
      if (value == null && !map.containsKey(name)) {
        return MISSING;
      }
      return value;
    }
    return MISSING;
  }

  /**
   * The key two scalars share when they are equal for exact matching: strings and booleans as they
   * are, {@code null} as {@link #NULL_KEY}, numbers by value ({@code 300}, {@code 300.0} and {@code
   * 3e2} are one key: integral values become a {@code Long}, others a {@code Double}).
   */
  static Object key(Object scalar) {
    if (scalar == null) {
      return NULL_KEY;
    }
    if (scalar instanceof Long) {
      return scalar;
    }
    if (scalar instanceof Number n) {
      return numberKey(n);
    }
    return scalar;
  }

  /** {@code key(scalar).hashCode()}, without boxing a number: equal keys hash alike. */
  static int keyHash(Object scalar) {
    if (scalar == null) {
      return NULL_KEY.hashCode();
    }
    if (scalar instanceof Long l) {
      return Long.hashCode(l);
    }
    if (scalar instanceof Number n) {
      if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
        return Long.hashCode(n.longValue());
      }
      double d = n.doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < TWO_POW_63) {
        return Long.hashCode((long) d);
      }
      return Double.hashCode(d);
    }
    return scalar.hashCode();
  }

  private static Object numberKey(Number n) {
    if (n instanceof Integer || n instanceof Short || n instanceof Byte) {
      return n.longValue();
    }
    double d = n.doubleValue();
    if (d == Math.rint(d) && Math.abs(d) < TWO_POW_63) {
      return (long) d; // also folds -0.0 into 0
    }
    return d;
  }

  /** Whether the value is a JSON number (not a boolean, not a numeric string). */
  static boolean isNumber(Object value) {
    return value instanceof Number;
  }

  /** Case folding for {@code equals-ignore-case}: "straße" and "STRASSE" fold to the same. */
  static String fold(String s) {
    return s.toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
  }

  /** "got 42", "got \"eu\"", "it is missing", "got an object" -- the "but ..." of a message. */
  static String actual(Object value) {
    if (value == MISSING) {
      return "it is missing";
    }
    if (value instanceof Map<?, ?>) {
      return "got an object";
    }
    if (value instanceof List<?> list && list.isEmpty()) {
      return "got an empty array";
    }
    return "got " + describe(value);
  }

  /** A value as short JSON text. */
  static String describe(Object value) {
    String text;
    try {
      text = Json.write(value);
    } catch (IllegalArgumentException e) {
      text = String.valueOf(value);
    }
    return text.length() <= DESCRIBE_LIMIT ? text : text.substring(0, DESCRIBE_LIMIT - 1) + "…";
  }
}
