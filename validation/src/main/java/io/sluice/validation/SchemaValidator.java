package io.sluice.validation;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * A compiled JSON Schema (2020-12) for payloads: workflow inputs, event data. Compile once, then
 * validate as often as needed; thread-safe.
 */
public final class SchemaValidator {
  private static final JsonSchemaFactory FACTORY =
      JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
  private static final SchemaValidatorsConfig CONFIG =
      SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();

  private final JsonSchema schema;

  SchemaValidator(JsonSchema schema) {
    this.schema = schema;
  }

  /** Compiles a schema given as a JSON value; throws IllegalArgumentException when unusable. */
  public static SchemaValidator compile(Object schema) {
    try {
      return new SchemaValidator(FACTORY.getSchema(Json.toNode(schema), CONFIG));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the schema cannot be compiled: " + e.getMessage(), e);
    }
  }

  /** Every violation, each with a JSON Pointer under {@code base} and a message; empty if valid. */
  public List<Problem> validate(Object value, String base) {
    Set<ValidationMessage> messages = schema.validate(Json.toNode(value));
    List<Problem> problems = new ArrayList<>(messages.size());
    for (ValidationMessage m : messages) {
      String pointer = base + pointerOf(m.getInstanceLocation().toString());
      problems.add(Problem.at(pointer, stripLocation(m.getMessage())));
    }
    problems.sort(Comparator.comparing(Problem::pointer).thenComparing(Problem::message));
    return problems;
  }

  /** networknt locations read "$.a.b[0]" (or "$['a b']"); JSON Pointers read "/a/b/0". */
  static String pointerOf(String location) {
    if (location == null || location.equals("$") || location.isEmpty()) {
      return "";
    }
    if (location.startsWith("/")) {
      return location; // already a JSON Pointer
    }
    StringBuilder out = new StringBuilder();
    int i = location.startsWith("$") ? 1 : 0;
    while (i < location.length()) {
      char c = location.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < location.length()
            && location.charAt(end) != '.'
            && location.charAt(end) != '[') {
          end++;
        }
        out.append('/').append(escape(location.substring(i + 1, end)));
        i = end;
      } else if (c == '[') {
        int end = location.indexOf(']', i);
        String token = location.substring(i + 1, end < 0 ? location.length() : end);
        if (token.startsWith("'") && token.endsWith("'") && token.length() >= 2) {
          token = token.substring(1, token.length() - 1);
        }
        out.append('/').append(escape(token));
        i = end < 0 ? location.length() : end + 1;
      } else {
        i++;
      }
    }
    return out.toString();
  }

  private static String escape(String token) {
    return token.replace("~", "~0").replace("/", "~1");
  }

  private static String stripLocation(String message) {
    int colon = message.indexOf(": ");
    boolean located =
        message.startsWith("$") || message.startsWith("/") || message.startsWith(": ");
    return located && colon >= 0 ? message.substring(colon + 2) : message;
  }
}
