package io.sluice.definition;

import io.sluice.core.expr.Template;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One version of a workflow definition, validated and compiled (SPEC §2): every expression is a
 * compiled program, every duration parsed. Immutable; safe to share between threads and cache per
 * (id, version).
 *
 * @param rateLimit its {@code rateLimit}, or null
 * @param source the document as the user saved it (normalized JSON), for GET and for diffing
 */
public record WorkflowDefinition(
    String id,
    String name,
    int version,
    List<TriggerDef> triggers,
    Object inputSchema,
    List<StepDef> steps,
    List<StepDef> onFailure,
    Duration timeout,
    Template output,
    RateLimit rateLimit,
    Map<String, Object> source) {

  public WorkflowDefinition {
    Objects.requireNonNull(id, "id");
    triggers = List.copyOf(triggers);
    steps = List.copyOf(steps);
    onFailure = List.copyOf(onFailure);
  }

  /** The same definition, numbered as the given version (assigned by the store on save). */
  public WorkflowDefinition withVersion(int newVersion) {
    return new WorkflowDefinition(
        id,
        name,
        newVersion,
        triggers,
        inputSchema,
        steps,
        onFailure,
        timeout,
        output,
        rateLimit,
        source);
  }

  /** Steps of the main DAG and of the {@code onFailure} DAG by id (ids are unique across both). */
  public Map<String, StepDef> stepsById() {
    Map<String, StepDef> byId = new HashMap<>();
    steps.forEach(s -> byId.put(s.id(), s));
    onFailure.forEach(s -> byId.put(s.id(), s));
    return byId;
  }
}
