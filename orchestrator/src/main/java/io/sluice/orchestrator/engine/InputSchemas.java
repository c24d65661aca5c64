package io.sluice.orchestrator.engine;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.validation.SchemaValidator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The {@code input.schema} of each definition version, compiled once; thread-safe. */
public final class InputSchemas {
  private final Map<String, SchemaValidator> compiled = new ConcurrentHashMap<>();

  /** Throws UNPROCESSABLE with every violation (pointers under {@code /input}) if invalid. */
  public void check(WorkflowDefinition definition, Object input) {
    if (definition.inputSchema() == null) {
      return;
    }
    SchemaValidator schema =
        compiled.computeIfAbsent(
            definition.id() + "@" + definition.version(),
            k -> SchemaValidator.compile(definition.inputSchema()));
    List<Problem> problems = schema.validate(input, "/input");
    if (!problems.isEmpty()) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE,
          "the input does not match the input schema of workflow '" + definition.id() + "'",
          problems);
    }
  }
}
