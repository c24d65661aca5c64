package io.sluice.definition;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.Expression;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.expr.Template;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The state of compiling one definition document: the expression environment, the step types the
 * engine knows, and every problem found so far. Not thread-safe; one per {@code parse} call.
 */
final class Compilation {
  private final CelExpressions env;
  private final Predicate<String> knownStepType;
  private final List<Problem> problems = new ArrayList<>();

  Compilation(CelExpressions env, Predicate<String> knownStepType) {
    this.env = env;
    this.knownStepType = knownStepType;
  }

  void add(String pointer, String message) {
    problems.add(Problem.at(pointer, message));
  }

  List<Problem> problems() {
    return problems;
  }

  boolean isKnownStepType(String type) {
    return knownStepType.test(type);
  }

  /**
   * A bare CEL expression ({@code if}, {@code when}, {@code match}); null when absent, not a string
   * (reported structurally) or invalid (reported here).
   */
  Expression expression(DocNode node) {
    String source = node.asString();
    if (source == null) {
      return null;
    }
    try {
      return env.compile(source);
    } catch (ExpressionException e) {
      add(
          node.pointer(),
          "expected a valid CEL expression, but '" + source + "' does not compile: " + e.reason());
      return null;
    }
  }

  /**
   * A template ({@code with}, {@code output}, {@code key}, schedule {@code input}): every string in
   * it with {@code ${...}} is compiled, and each bad one reported with its own pointer. Null when
   * the node is absent.
   */
  Template template(DocNode node) {
    if (!node.present()) {
      return null;
    }
    return Template.compile(node.value(), env, node.pointer(), problems);
  }

  /** Compiles a value that is not at its document place (a defaulted {@code with}). */
  Template template(Object value, String pointer) {
    return Template.compile(value, env, pointer, problems);
  }
}
