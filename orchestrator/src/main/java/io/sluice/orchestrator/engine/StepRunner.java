package io.sluice.orchestrator.engine;

import io.sluice.core.json.Json;
import io.sluice.orchestrator.domain.Effect;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.StepError;
import io.sluice.orchestrator.steps.StepFailure;
import io.sluice.orchestrator.steps.StepRequest;
import io.sluice.orchestrator.steps.StepType;
import io.sluice.orchestrator.steps.StepTypes;
import io.vertx.core.Future;

/** Runs one attempt of an executable step and turns whatever happens into an input. */
final class StepRunner {
  private final StepTypes types;

  StepRunner(StepTypes types) {
    this.types = types;
  }

  /** Never fails: a failure of the step becomes {@link Input.StepFailed}. */
  Future<Input> run(Effect.ExecuteStep e) {
    StepType type = types.get(e.type());
    if (type == null) {
      return Future.succeededFuture(
          failed(
              e, StepError.permanent("step.type", "no step type '" + e.type() + "' on this node")));
    }
    StepRequest request =
        new StepRequest(
            e.instanceId(),
            e.workflowId(),
            e.version(),
            e.stepId(),
            e.attempt(),
            e.with(),
            e.timeout(),
            e.idempotencyKey());
    Future<Object> running;
    try {
      running = type.execute(request);
    } catch (RuntimeException thrown) {
      running = Future.failedFuture(thrown);
    }
    return running.transform(
        ar -> {
          if (ar.succeeded()) {
            try {
              return Future.succeededFuture(
                  new Input.StepSucceeded(e.stepId(), e.attempt(), Json.normalize(ar.result())));
            } catch (IllegalArgumentException notJson) {
              return Future.succeededFuture(
                  failed(e, StepError.permanent("step.output", notJson.getMessage())));
            }
          }
          Throwable cause = ar.cause();
          StepError error =
              cause instanceof StepFailure f
                  ? new StepError(f.code(), f.getMessage(), f.retryable(), null)
                  : StepError.retryable("error", String.valueOf(cause));
          return Future.succeededFuture(failed(e, error));
        });
  }

  private static Input failed(Effect.ExecuteStep e, StepError error) {
    return new Input.StepFailed(e.stepId(), e.attempt(), error);
  }
}
