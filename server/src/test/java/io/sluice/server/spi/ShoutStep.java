package io.sluice.server.spi;

import io.sluice.orchestrator.steps.StepFailure;
import io.sluice.orchestrator.steps.StepRequest;
import io.sluice.orchestrator.steps.StepType;
import io.vertx.core.Future;
import java.util.Map;

/** A custom step type found through ServiceLoader: upper-cases {@code with.text}. */
public final class ShoutStep implements StepType {
  @Override
  public String name() {
    return "shout";
  }

  @Override
  public Future<Object> execute(StepRequest request) {
    Object text = request.with() instanceof Map<?, ?> m ? m.get("text") : null;
    if (!(text instanceof String s)) {
      return Future.failedFuture(new StepFailure("shout.text", "expected a string 'text'", false));
    }
    return Future.succeededFuture(
        Map.of(
            "text",
            s.toUpperCase(),
            "key",
            request.idempotencyKey(),
            "attempt",
            request.attempt()));
  }
}
