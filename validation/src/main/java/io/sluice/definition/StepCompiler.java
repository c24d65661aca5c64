package io.sluice.definition;

import io.sluice.core.expr.Expression;
import io.sluice.core.expr.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Compiles the steps of {@code steps} and {@code onFailure}, checking each on its own. */
final class StepCompiler {
  private StepCompiler() {}

  /** The compiled steps; a step whose id or type is not a string is left out (and reported). */
  static List<StepDef> compileAll(DocNode array, Compilation c) {
    List<StepDef> steps = new ArrayList<>();
    for (DocNode step : array.items()) {
      StepDef compiled = compile(step, c);
      if (compiled != null) {
        steps.add(compiled);
      }
    }
    return steps;
  }

  static StepDef compile(DocNode step, Compilation c) {
    String id = step.get("id").asString();
    DocNode typeNode = step.get("type");
    String type = typeNode.asString();
    if (type != null && !c.isKnownStepType(type)) {
      c.add(
          typeNode.pointer(),
          "expected a known step type such as "
              + String.join(", ", new TreeSet<>(DefinitionParser.BUILT_IN_TYPES))
              + ", but got "
              + typeNode.describe());
    }
    List<String> needs = new ArrayList<>();
    for (DocNode need : step.get("needs").items()) {
      if (need.isString() && !needs.contains(need.asString())) {
        needs.add(need.asString());
      }
    }
    Expression condition = c.expression(step.get("if"));
    Template with = with(step, type, c);
    RetryPolicy retry = retry(step.get("retry"), c);
    Duration timeout = TimeValues.positive(step.get("timeout"), c);
    boolean continueOnError = Boolean.TRUE.equals(step.get("continueOnError").asBoolean());
    if (id == null || type == null) {
      return null;
    }
    return new StepDef(id, type, needs, condition, with, retry, timeout, continueOnError);
  }

  private static Template with(DocNode step, String type, Compilation c) {
    DocNode with = step.get("with");
    if (type != null) {
      StepWithRules.check(type, step, with, c);
    }
    if (!with.present()) {
      Map<String, Object> defaults = new LinkedHashMap<>();
      if ("http".equals(type)) {
        defaults.put("method", StepWithRules.DEFAULT_HTTP_METHOD);
      }
      return c.template(defaults, with.pointer());
    }
    if ("http".equals(type) && with.isObject() && !with.asObject().containsKey("method")) {
      // the default is made explicit, so the http step never has to guess
      Map<String, Object> withMethod = new LinkedHashMap<>(with.asObject());
      withMethod.put("method", StepWithRules.DEFAULT_HTTP_METHOD);
      return c.template(withMethod, with.pointer());
    }
    return c.template(with);
  }

  /** Absent: {@link RetryPolicy#NONE}; partly given: the rest from the RetryPolicy defaults. */
  static RetryPolicy retry(DocNode retry, Compilation c) {
    if (!retry.isObject()) {
      return RetryPolicy.NONE;
    }
    Long attempts = retry.get("maxAttempts").asWholeNumber();
    int maxAttempts =
        attempts != null && attempts >= 1 && attempts <= 1000 ? attempts.intValue() : 1;
    DocNode initialNode = retry.get("initialInterval");
    DocNode maxNode = retry.get("maxInterval");
    Duration initial = TimeValues.nonNegative(initialNode, c);
    Duration max = TimeValues.nonNegative(maxNode, c);
    if (initial != null && max != null && max.compareTo(initial) < 0) {
      c.add(
          maxNode.pointer(),
          "expected maxInterval to be at least initialInterval ("
              + initialNode.asString()
              + "), but got "
              + maxNode.describe());
    }
    if (initial == null) {
      // only maxInterval given: the default start must not exceed it
      initial =
          max != null && max.compareTo(RetryPolicy.DEFAULT_INITIAL_INTERVAL) < 0
              ? max
              : RetryPolicy.DEFAULT_INITIAL_INTERVAL;
    }
    if (max == null) {
      // only initialInterval given: the default cap must not undercut it
      max =
          initial.compareTo(RetryPolicy.DEFAULT_MAX_INTERVAL) > 0
              ? initial
              : RetryPolicy.DEFAULT_MAX_INTERVAL;
    }
    Double multiplier = retry.get("multiplier").asNumber();
    if (multiplier == null || multiplier < 1 || multiplier.isInfinite()) {
      multiplier = RetryPolicy.DEFAULT_MULTIPLIER;
    }
    Double jitter = retry.get("jitter").asNumber();
    if (jitter == null || jitter < 0 || jitter > 1) {
      jitter = RetryPolicy.DEFAULT_JITTER;
    }
    Set<String> nonRetryable = new TreeSet<>();
    for (DocNode code : retry.get("nonRetryable").items()) {
      if (code.isString()) {
        nonRetryable.add(code.asString());
      }
    }
    return new RetryPolicy(maxAttempts, initial, multiplier, max, jitter, nonRetryable);
  }
}
