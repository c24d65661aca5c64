package io.sluice.orchestrator.domain;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.Template;
import io.sluice.core.json.Json;
import io.sluice.definition.RetryPolicy;
import io.sluice.definition.StepDef;
import io.sluice.definition.WorkflowDefinition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds {@link WorkflowDefinition} records for decider tests directly, without the definition
 * parser: expressions are compiled with the shared workflow CEL environment.
 *
 * <pre>{@code
 * WorkflowDefinition def =
 *     DefinitionBuilder.workflow("orders")
 *         .timeout(Duration.ofHours(1))
 *         .step("fetch", "http").with("{\"url\": \"${input.url}\"}").retry(3, 1000, 2.0, 60_000, 0.2)
 *         .step("score", "transform").needs("fetch").with("{\"s\": \"${steps.fetch.output.n}\"}")
 *         .onFailure("alert", "emit").with("{\"type\": \"order.stuck\"}")
 *         .build();
 * }</pre>
 */
final class DefinitionBuilder {
  private static final CelExpressions CEL = CelExpressions.workflow();

  private final String id;
  private int version = 1;
  private final List<StepBuilder> steps = new ArrayList<>();
  private final List<StepBuilder> onFailure = new ArrayList<>();
  private Duration timeout;
  private Template output;

  private DefinitionBuilder(String id) {
    this.id = id;
  }

  static DefinitionBuilder workflow(String id) {
    return new DefinitionBuilder(id);
  }

  DefinitionBuilder version(int newVersion) {
    this.version = newVersion;
    return this;
  }

  /** Adds a step to the main DAG. */
  StepBuilder step(String stepId, String type) {
    StepBuilder step = new StepBuilder(stepId, type);
    steps.add(step);
    return step;
  }

  /** Adds a step to the {@code onFailure} DAG. */
  StepBuilder onFailure(String stepId, String type) {
    StepBuilder step = new StepBuilder(stepId, type);
    onFailure.add(step);
    return step;
  }

  /** The workflow's {@code output} template, as JSON text. */
  DefinitionBuilder output(String json) {
    this.output = template(json);
    return this;
  }

  /** The workflow's {@code timeout} (the whole instance). */
  DefinitionBuilder timeout(Duration workflowTimeout) {
    this.timeout = workflowTimeout;
    return this;
  }

  WorkflowDefinition build() {
    return new WorkflowDefinition(
        id,
        id,
        version,
        List.of(),
        null,
        steps.stream().map(StepBuilder::toDef).toList(),
        onFailure.stream().map(StepBuilder::toDef).toList(),
        timeout,
        output,
        null,
        Map.of("id", id));
  }

  static Template template(String json) {
    return Template.compile(Json.parse(json), CEL);
  }

  /** One step; the workflow-level methods return to the enclosing builder. */
  final class StepBuilder {
    private final String stepId;
    private final String type;
    private List<String> needs = List.of();
    private String condition;
    private Template with = new Template.Literal(Map.of());
    private RetryPolicy retry = RetryPolicy.NONE;
    private Duration stepTimeout;
    private boolean continueOnError;

    private StepBuilder(String stepId, String type) {
      this.stepId = stepId;
      this.type = type;
    }

    /** The step's {@code with} template, as JSON text. */
    StepBuilder with(String json) {
      this.with = template(json);
      return this;
    }

    StepBuilder needs(String... stepIds) {
      this.needs = List.of(stepIds);
      return this;
    }

    /** The step's {@code if}: bare CEL. */
    StepBuilder when(String cel) {
      this.condition = cel;
      return this;
    }

    StepBuilder retry(
        int maxAttempts,
        long initialMs,
        double multiplier,
        long maxMs,
        double jitter,
        String... nonRetryable) {
      this.retry =
          new RetryPolicy(
              maxAttempts,
              Duration.ofMillis(initialMs),
              multiplier,
              Duration.ofMillis(maxMs),
              jitter,
              Set.of(nonRetryable));
      return this;
    }

    /** Bounds one attempt of this step. */
    StepBuilder timeout(Duration attemptTimeout) {
      this.stepTimeout = attemptTimeout;
      return this;
    }

    StepBuilder continueOnError() {
      this.continueOnError = true;
      return this;
    }

    StepBuilder step(String nextId, String nextType) {
      return DefinitionBuilder.this.step(nextId, nextType);
    }

    StepBuilder onFailure(String nextId, String nextType) {
      return DefinitionBuilder.this.onFailure(nextId, nextType);
    }

    DefinitionBuilder output(String json) {
      return DefinitionBuilder.this.output(json);
    }

    /** Back to the workflow, e.g. to set its timeout after the steps. */
    DefinitionBuilder and() {
      return DefinitionBuilder.this;
    }

    WorkflowDefinition build() {
      return DefinitionBuilder.this.build();
    }

    private StepDef toDef() {
      return new StepDef(
          stepId,
          type,
          needs,
          condition == null ? null : CEL.compile(condition),
          with,
          retry,
          stepTimeout,
          continueOnError);
    }
  }
}
