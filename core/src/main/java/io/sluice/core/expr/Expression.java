package io.sluice.core.expr;

import java.util.Map;

/** A compiled CEL expression. Immutable and thread-safe; evaluate it as often as you like. */
public interface Expression {
  /** The source text, as the user wrote it (without any {@code ${ }} wrapper). */
  String source();

  /**
   * Evaluates against the given variables (normalized JSON values, see {@code Json}); returns a
   * normalized JSON value. Throws {@link ExpressionException} with the reason on failure.
   */
  Object evaluate(Map<String, Object> variables);

  /** Evaluates and requires a boolean result. */
  default boolean test(Map<String, Object> variables) {
    Object result = evaluate(variables);
    if (result instanceof Boolean b) {
      return b;
    }
    throw new ExpressionException(
        source(),
        "expected a boolean result, but got " + io.sluice.core.json.Json.typeName(result));
  }
}
