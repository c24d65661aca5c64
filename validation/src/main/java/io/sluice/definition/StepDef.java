package io.sluice.definition;

import io.sluice.core.expr.Expression;
import io.sluice.core.expr.Template;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One step of a workflow (SPEC §2–§4).
 *
 * @param needs ids of the steps this one waits for (a DAG; empty for a root step)
 * @param condition the {@code if} guard, or null for "always"
 * @param with the step's parameters as a template, evaluated when the step starts
 * @param retry how failed attempts are retried ({@link RetryPolicy#NONE} when not configured)
 * @param timeout bound on one attempt, or null for none
 */
public record StepDef(
    String id,
    String type,
    List<String> needs,
    Expression condition,
    Template with,
    RetryPolicy retry,
    Duration timeout,
    boolean continueOnError) {

  public StepDef {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    needs = List.copyOf(needs);
    Objects.requireNonNull(with, "with");
    Objects.requireNonNull(retry, "retry");
  }
}
