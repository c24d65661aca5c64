package io.sluice.core.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON values as plain Java trees: {@code Map<String,Object>} (insertion ordered), {@code List},
 * {@code Long} for integers, {@code Double} for other numbers, {@code String}, {@code Boolean} and
 * {@code null}. This is the one representation of payloads (event data, inputs, outputs) in the
 * domain, chosen because CEL evaluates it directly and MongoDB stores it directly.
 */
public final class Json {
  /** Default maximum nesting depth of accepted JSON documents (SPEC §8). */
  public static final int DEFAULT_MAX_DEPTH = 64;

  private static final ObjectMapper MAPPER = mapper(DEFAULT_MAX_DEPTH);

  private Json() {}

  /** A mapper that reads integers as {@code Long} and refuses documents nested deeper than max. */
  public static ObjectMapper mapper(int maxDepth) {
    JsonMapper mapper =
        JsonMapper.builder()
            .enable(DeserializationFeature.USE_LONG_FOR_INTS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(maxDepth).build());
    return mapper;
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /** Parses JSON text into a normalized value; throws {@link MalformedJsonException}. */
  public static Object parse(String text) {
    try {
      return normalize(MAPPER.readValue(text, Object.class));
    } catch (IOException e) {
      throw new MalformedJsonException(describe(e), e);
    }
  }

  /** Parses JSON bytes into a normalized value; throws {@link MalformedJsonException}. */
  public static Object parse(byte[] bytes) {
    try {
      return normalize(MAPPER.readValue(bytes, Object.class));
    } catch (IOException e) {
      throw new MalformedJsonException(describe(e), e);
    }
  }

  /** Parses a JSON object; a valid document that is not an object is refused too. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object value = parse(text);
    if (value instanceof Map<?, ?> map) {
      return (Map<String, Object>) map;
    }
    throw new MalformedJsonException("expected a JSON object, but got " + typeName(value), null);
  }

  public static String write(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("value is not serializable as JSON: " + e.getMessage(), e);
    }
  }

  public static JsonNode toNode(Object value) {
    return MAPPER.valueToTree(value);
  }

  public static Object fromNode(JsonNode node) {
    return normalize(MAPPER.convertValue(node, Object.class));
  }

  /**
   * Converts any JSON-like Java tree into the normalized representation: integer types become
   * {@code Long}, other numbers {@code Double}, maps {@code LinkedHashMap}, collections lists.
   */
  public static Object normalize(Object value) {
    if (value == null
        || value instanceof String
        || value instanceof Boolean
        || value instanceof Long
        || value instanceof Double) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof BigInteger big) {
      return big.bitLength() < 64 ? (Object) big.longValue() : (Object) big.doubleValue();
    }
    if (value instanceof BigDecimal dec) {
      return dec.doubleValue();
    }
    if (value instanceof Float f) {
      return f.doubleValue();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
      map.forEach((k, v) -> out.put(String.valueOf(k), normalize(v)));
      return out;
    }
    if (value instanceof Iterable<?> list) {
      List<Object> out = new ArrayList<>();
      list.forEach(v -> out.add(normalize(v)));
      return out;
    }
    if (value instanceof Object[] array) {
      List<Object> out = new ArrayList<>(array.length);
      for (Object v : array) {
        out.add(normalize(v));
      }
      return out;
    }
    if (value instanceof CharSequence chars) {
      return chars.toString();
    }
    throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
  }

  /** The JSON type name of a normalized value, for error messages. */
  public static String typeName(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Map) {
      return "object";
    }
    if (value instanceof List) {
      return "array";
    }
    if (value instanceof String) {
      return "string";
    }
    if (value instanceof Boolean) {
      return "boolean";
    }
    if (value instanceof Long) {
      return "integer";
    }
    if (value instanceof Number) {
      return "number";
    }
    return value.getClass().getSimpleName();
  }

  private static String describe(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = message.indexOf("\n at [Source");
    String head = cut > 0 ? message.substring(0, cut) : message;
    if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
        && jpe.getLocation() != null) {
      head +=
          " (line "
              + jpe.getLocation().getLineNr()
              + ", column "
              + jpe.getLocation().getColumnNr()
              + ")";
    }
    return head.replaceAll("\\s+", " ").trim();
  }
}
