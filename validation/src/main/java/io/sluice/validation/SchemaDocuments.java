package io.sluice.validation;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.List;
import java.util.Map;

/**
 * Checks that a document registered as an event schema is itself a usable JSON Schema 2020-12:
 * valid against the 2020-12 meta-schema (bundled with the validator, never fetched) and compilable.
 * Thread-safe; the meta-schema is loaded once, on first use (do that off the event loop).
 */
public final class SchemaDocuments {
  private static final String META_SCHEMA = "https://json-schema.org/draft/2020-12/schema";

  private SchemaDocuments() {}

  private static final class Meta {
    static final JsonSchema SCHEMA =
        JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
            .getSchema(SchemaLocation.of(META_SCHEMA));
  }

  /**
   * Every problem that makes {@code schema} unusable, each with a JSON Pointer into it; empty when
   * it is a usable 2020-12 schema. A {@code $schema} naming another draft is refused: the registry
   * validates with 2020-12 semantics only.
   */
  public static List<Problem> problems(Object schema) {
    if (!(schema instanceof Map<?, ?>) && !(schema instanceof Boolean)) {
      return List.of(
          Problem.at(
              "",
              "expected a JSON Schema (an object or a boolean), but got " + Json.typeName(schema)));
    }
    if (schema instanceof Map<?, ?> map
        && map.get("$schema") != null
        && !META_SCHEMA.equals(String.valueOf(map.get("$schema")).replaceAll("#$", ""))) {
      return List.of(
          Problem.at(
              "/$schema",
              "expected '"
                  + META_SCHEMA
                  + "' (or no $schema), but got '"
                  + map.get("$schema")
                  + "'"));
    }
    List<Problem> problems =
        new SchemaValidator(Meta.SCHEMA)
            .validate(schema, "").stream()
                .map(
                    p -> Problem.at(p.pointer(), "not a valid JSON Schema 2020-12: " + p.message()))
                .toList();
    if (!problems.isEmpty()) {
      return problems;
    }
    try {
      SchemaValidator.compile(schema).validate(Map.of(), "");
      return List.of();
    } catch (RuntimeException e) {
      return List.of(Problem.at("", String.valueOf(e.getMessage())));
    }
  }
}
