package io.sluice.core.expr;

/**
 * An expression failed: at compile time (syntax, unknown function, wrong types) or at run time
 * (missing key, division by zero, wrong operand types). The message names the expression and the
 * reason, so it can be shown to a user as it is.
 */
public final class ExpressionException extends RuntimeException {
  private final String expression;
  private final String reason;

  public ExpressionException(String expression, String reason) {
    super("expression '" + expression + "' failed: " + reason, null, false, false);
    this.expression = expression;
    this.reason = reason;
  }

  public String expression() {
    return expression;
  }

  public String reason() {
    return reason;
  }
}
