package io.sluice.ingestion.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import java.io.IOException;
import java.util.Locale;

/**
 * Reads request bodies as JSON within the nesting limit, and classifies media types. Malformed JSON
 * and JSON nested deeper than the limit are refused with 400 and the reason (with line and column).
 */
public final class JsonBodies {
  private final ObjectMapper mapper;
  private final int maxDepth;

  public JsonBodies(int maxDepth) {
    this.maxDepth = maxDepth;
    // small integers stay IntNodes: the CloudEvents SDK accepts only Integer extension values
    this.mapper = Json.mapper(maxDepth).disable(DeserializationFeature.USE_LONG_FOR_INTS);
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  /** The body as a JSON tree; {@code what} names it in the problem ("the request body"). */
  public JsonNode tree(byte[] body, String what) {
    if (body.length == 0) {
      throw ProblemException.of(
          ProblemException.Kind.MALFORMED,
          what + " is empty",
          Problem.at("", "expected a JSON document, but the body is empty"));
    }
    try {
      return mapper.readTree(body);
    } catch (StreamConstraintsException e) {
      throw ProblemException.of(
          ProblemException.Kind.MALFORMED,
          what + " is nested too deeply",
          Problem.at(
              "",
              "expected JSON nested at most "
                  + maxDepth
                  + " levels deep, but it is nested deeper"));
    } catch (IOException e) {
      throw ProblemException.of(
          ProblemException.Kind.MALFORMED,
          what + " is not well-formed JSON",
          Problem.at("", "expected well-formed JSON, but " + describe(e)));
    }
  }

  /** The body as a normalized JSON value (see {@link Json}). */
  public Object value(byte[] body, String what) {
    return Json.fromNode(tree(body, what));
  }

  /** The media type without parameters, lower-case; null when absent. */
  public static String mediaType(String contentType) {
    if (contentType == null || contentType.isBlank()) {
      return null;
    }
    int semi = contentType.indexOf(';');
    String type = semi < 0 ? contentType : contentType.substring(0, semi);
    return type.trim().toLowerCase(Locale.ROOT);
  }

  /** {@code application/json}, {@code text/json} and any {@code type/subtype+json}. */
  public static boolean isJson(String contentType) {
    String type = mediaType(contentType);
    return type != null
        && (type.equals("application/json") || type.equals("text/json") || type.endsWith("+json"));
  }

  private static String describe(IOException e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = message.indexOf("\n at [Source");
    String head = cut > 0 ? message.substring(0, cut) : message;
    if (e instanceof JsonProcessingException p && p.getLocation() != null) {
      head +=
          " (line "
              + p.getLocation().getLineNr()
              + ", column "
              + p.getLocation().getColumnNr()
              + ")";
    }
    return head.replaceAll("\\s+", " ").trim();
  }
}
