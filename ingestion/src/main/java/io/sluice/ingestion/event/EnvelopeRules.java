package io.sluice.ingestion.event;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The CloudEvents 1.0 envelope rules, checked all at once so a producer learns every problem in one
 * answer (the SDK stops at the first). Works on the envelope's attributes as JSON values, from
 * structured mode (the top-level members, without {@code data}) or binary mode (the {@code ce-*}
 * headers).
 */
public final class EnvelopeRules {
  /** The attributes CloudEvents 1.0 defines; any other member is an extension attribute. */
  public static final Set<String> CONTEXT_ATTRIBUTES =
      Set.of(
          "specversion",
          "id",
          "source",
          "type",
          "time",
          "subject",
          "datacontenttype",
          "dataschema",
          "data",
          "data_base64");

  private static final List<String> REQUIRED = List.of("specversion", "id", "source", "type");
  private static final Pattern EXTENSION_NAME = Pattern.compile("[a-z0-9]+");

  private EnvelopeRules() {}

  /**
   * Every broken rule, each at {@code base + "/" + attribute}. Null values count as absent.
   *
   * @param attributes the attributes, {@code data} left out; {@code data_base64} included
   * @param hasData whether the envelope carries {@code data}
   * @param label how a message names an attribute (e.g. {@code ce-id header} in binary mode)
   */
  public static List<Problem> check(
      Map<String, Object> attributes, boolean hasData, String base, UnaryOperator<String> label) {
    List<Problem> problems = new ArrayList<>();
    for (String name : REQUIRED) {
      Object value = attributes.get(name);
      String at = base + "/" + name;
      if (value == null) {
        problems.add(Problem.at(at, "expected " + label.apply(name) + ", but it is missing"));
      } else if (!(value instanceof String text)) {
        problems.add(
            Problem.at(
                at, "expected " + label.apply(name) + " as a string, but got " + typeOf(value)));
      } else if (name.equals("specversion") && !text.equals("1.0")) {
        problems.add(Problem.at(at, "expected specversion '1.0', but got '" + text + "'"));
      } else if (text.isEmpty()) {
        problems.add(
            Problem.at(at, "expected a non-empty " + label.apply(name) + ", but it is empty"));
      } else if (name.equals("source") && !isUri(text, false)) {
        problems.add(
            Problem.at(at, "expected source to be a URI-reference, but got '" + text + "'"));
      }
    }
    for (String name : List.of("time", "subject", "datacontenttype", "dataschema", "data_base64")) {
      Object value = attributes.get(name);
      String at = base + "/" + name;
      if (value == null) {
        continue;
      }
      if (!(value instanceof String text)) {
        problems.add(
            Problem.at(
                at, "expected " + label.apply(name) + " as a string, but got " + typeOf(value)));
      } else if (name.equals("time") && !isTimestamp(text)) {
        problems.add(
            Problem.at(
                at,
                "expected an RFC 3339 timestamp such as 2024-05-01T12:00:00Z, but got '"
                    + text
                    + "'"));
      } else if (name.equals("dataschema") && !isUri(text, true)) {
        problems.add(
            Problem.at(at, "expected dataschema to be an absolute URI, but got '" + text + "'"));
      } else if (name.equals("data_base64") && !isBase64(text)) {
        problems.add(Problem.at(at, "expected base64 text, but it is not"));
      }
    }
    if (hasData && attributes.get("data_base64") != null) {
      problems.add(
          Problem.at(base + "/data_base64", "expected either data or data_base64, but got both"));
    }
    attributes.forEach(
        (name, value) -> {
          if (CONTEXT_ATTRIBUTES.contains(name) || value == null) {
            return;
          }
          String at = base + "/" + name.replace("~", "~0").replace("/", "~1");
          if (!EXTENSION_NAME.matcher(name).matches()) {
            problems.add(
                Problem.at(
                    at,
                    "expected an extension attribute name of lower-case letters and digits, but got '"
                        + name
                        + "'"));
          } else if (!(value instanceof String || value instanceof Boolean || isInteger(value))) {
            problems.add(
                Problem.at(
                    at,
                    "expected a string, boolean or integer extension value, but got "
                        + typeOf(value)));
          }
        });
    return problems;
  }

  private static String typeOf(Object value) {
    return Json.typeName(value);
  }

  private static boolean isInteger(Object value) {
    return value instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE;
  }

  private static boolean isUri(String text, boolean absolute) {
    try {
      URI uri = new URI(text);
      return !absolute || uri.isAbsolute();
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static boolean isTimestamp(String text) {
    try {
      OffsetDateTime.parse(text);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static boolean isBase64(String text) {
    try {
      Base64.getDecoder().decode(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
