package io.sluice.definition;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The structural half of definition validation: {@code schemas/workflow-definition.schema.json}
 * (compiled once per JVM) and the JSON Schema 2020-12 meta-schema for {@code input.schema}, with
 * networknt's messages turned into {@link Problem}s that read "expected …, but …".
 */
final class DefinitionSchema {
  static final String RESOURCE = "/schemas/workflow-definition.schema.json";
  private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";
  private static final String ID_RULE =
      "an id of letters, digits, '.', '_' and '-' that starts with a letter or digit and has at"
          + " most 128 characters";

  private DefinitionSchema() {}

  /** Compiled on first use; thread-safe to share (networknt schemas are immutable). */
  private static final class Holder {
    static final JsonNode SCHEMA_NODE = load();
    static final JsonSchemaFactory FACTORY =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    static final SchemaValidatorsConfig CONFIG =
        SchemaValidatorsConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .locale(Locale.ENGLISH)
            .build();
    static final JsonSchema DEFINITION = FACTORY.getSchema(SCHEMA_NODE, CONFIG);
    static final JsonSchema META = FACTORY.getSchema(SchemaLocation.of(META_SCHEMA), CONFIG);

    private static JsonNode load() {
      try (InputStream in = DefinitionSchema.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + " is not on the class path");
        }
        return Json.mapper().readTree(in);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + RESOURCE, e);
      }
    }
  }

  /** Every structural problem of a definition document (unordered; the parser sorts). */
  static List<Problem> validate(Object document) {
    return problems(Holder.DEFINITION, Json.toNode(document), "");
  }

  /** Every problem of a JSON Schema given in a definition (such as {@code input.schema}). */
  static List<Problem> validateJsonSchema(Object schema, String pointer) {
    return problems(Holder.META, Json.toNode(schema), pointer);
  }

  private static List<Problem> problems(JsonSchema schema, JsonNode instance, String base) {
    List<ValidationMessage> messages = new ArrayList<>(schema.validate(instance));
    List<Problem> out = new ArrayList<>(messages.size());
    for (ValidationMessage m : messages) {
      Problem p = toProblem(m, base);
      if (!out.contains(p) && !isOtherBranch(m, messages)) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * A type mismatch inside an anyOf/oneOf branch is noise when another branch says something more
   * specific about the same value (the meta-schema's {@code type: "objekt"} gives both "not one of
   * the types" and "not an array").
   */
  private static boolean isOtherBranch(ValidationMessage m, List<ValidationMessage> all) {
    String path = m.getEvaluationPath().toString();
    if (!"type".equals(m.getType()) || !(path.contains("anyOf") || path.contains("oneOf"))) {
      return false;
    }
    return all.stream()
        .anyMatch(
            other ->
                other != m
                    && !"type".equals(other.getType())
                    && other.getInstanceLocation().equals(m.getInstanceLocation()));
  }

  private static Problem toProblem(ValidationMessage m, String base) {
    String pointer = base + pointer(m.getInstanceLocation());
    Object[] args = m.getArguments() == null ? new Object[0] : m.getArguments();
    String arg0 = args.length > 0 ? String.valueOf(args[0]) : "";
    String type = m.getType() == null ? "" : m.getType();
    return switch (type) {
      case "type" ->
          Problem.at(
              pointer,
              "expected " + article(args.length > 1 ? args[1] : "?") + ", but got " + arg0);
      case "required" ->
          Problem.at(pointer, "expected a property '" + arg0 + "', but it is missing");
      case "additionalProperties" ->
          Problem.at(Problem.child(pointer, arg0), unknownProperty(m, arg0));
      case "enum" ->
          Problem.at(
              pointer,
              "expected one of "
                  + arg0.replaceAll("^\\[|]$", "").replace("\"", "").replaceAll(", *", ", ")
                  + ", but got "
                  + describe(m.getInstanceNode()));
      case "pattern" ->
          Problem.at(
              pointer,
              "expected "
                  + (arg0.startsWith("^[A-Za-z0-9][A-Za-z0-9._-]") ? ID_RULE : "a match of " + arg0)
                  + ", but got "
                  + describe(m.getInstanceNode()));
      case "minimum" ->
          Problem.at(
              pointer, "expected at least " + arg0 + ", but got " + describe(m.getInstanceNode()));
      case "maximum" ->
          Problem.at(
              pointer, "expected at most " + arg0 + ", but got " + describe(m.getInstanceNode()));
      case "minLength" ->
          Problem.at(
              pointer,
              ("1".equals(arg0)
                      ? "expected a non-empty string"
                      : "expected at least " + arg0 + " characters")
                  + ", but got "
                  + describe(m.getInstanceNode()));
      case "uniqueItems" ->
          Problem.at(pointer, "expected every item to be different, but some are repeated");
      case "minItems" ->
          Problem.at(
              pointer,
              "expected at least " + arg0 + " item(s), but got " + describe(m.getInstanceNode()));
      case "maxProperties", "minProperties" ->
          pointer.matches(".*/triggers/\\d+")
              ? Problem.at(pointer, "expected exactly one of 'event' or 'schedule' in a trigger")
              : Problem.at(pointer, plain(m));
      default -> Problem.at(pointer, plain(m));
    };
  }

  /** "property 'neeeds' is not defined…" becomes a message naming what was probably meant. */
  private static String unknownProperty(ValidationMessage m, String property) {
    Set<String> known = knownProperties(m);
    String suggestion = Spelling.closest(property, known);
    if (suggestion != null) {
      return "expected a known property, but got '"
          + property
          + "' (did you mean '"
          + suggestion
          + "'?)";
    }
    if (known.isEmpty()) {
      return "expected no other properties here, but got '" + property + "'";
    }
    return "expected one of " + String.join(", ", known) + ", but got '" + property + "'";
  }

  private static Set<String> knownProperties(ValidationMessage m) {
    JsonNodePath fragment = m.getSchemaLocation().getFragment();
    JsonNode node = Holder.SCHEMA_NODE;
    if (fragment == null || !m.getSchemaLocation().toString().contains("workflow-definition")) {
      return Set.of();
    }
    JsonNodePath parent = fragment.getParent();
    for (int i = 0; parent != null && i < parent.getNameCount(); i++) {
      node = node.path(parent.getName(i));
    }
    Set<String> names = new java.util.TreeSet<>();
    node.path("properties").fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static String pointer(JsonNodePath path) {
    String pointer = "";
    for (int i = 0; i < path.getNameCount(); i++) {
      Object element = path.getElement(i);
      pointer =
          element instanceof Integer index
              ? Problem.child(pointer, index)
              : Problem.child(pointer, String.valueOf(element));
    }
    return pointer;
  }

  /** networknt's message without its leading "/location: ". */
  private static String plain(ValidationMessage m) {
    String error = m.getError();
    if (error != null && !error.isBlank()) {
      return error;
    }
    String message = m.getMessage();
    int colon = message.indexOf(": ");
    return colon >= 0 ? message.substring(colon + 2) : message;
  }

  private static String article(Object expected) {
    String e = String.valueOf(expected);
    if (e.startsWith("[")) {
      return "one of the types " + e.substring(1, e.length() - 1).replace(",", ", ");
    }
    return (e.startsWith("a") || e.startsWith("i") || e.startsWith("o") ? "an " : "a ") + e;
  }

  private static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) {
      return "nothing";
    }
    if (node.isTextual()) {
      return "'" + node.textValue() + "'";
    }
    String json = node.toString();
    return Json.typeName(Json.fromNode(node))
        + " "
        + (json.length() > 40 ? json.substring(0, 40) + "…" : json);
  }
}
