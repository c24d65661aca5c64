package io.sluice.orchestrator.steps;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A step type whose work happens outside the decider (SPEC §4): built-in {@code http}, and custom
 * in-process types plugged in with {@link java.util.ServiceLoader} (list the implementation in
 * {@code META-INF/services/io.sluice.orchestrator.steps.StepType}; it needs a public no-argument
 * constructor).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>Thread: {@link #execute} is called on a Vert.x event loop and must not block it; do
 *       blocking work with {@code vertx.executeBlocking}.
 *   <li>Idempotency: execution is at-least-once (a crash re-runs the attempt); every attempt of a
 *       step carries the same {@link StepRequest#idempotencyKey()} — pass it on to the systems you
 *       call.
 *   <li>Result: the future's value is the step's output (a JSON value: Map, List, String, Long,
 *       Double, Boolean or null). Fail it with {@link StepFailure} to choose the error code and
 *       whether a retry may help; any other exception counts as a retryable {@code error}.
 * </ul>
 */
public interface StepType {
  /** The {@code type} name used in definitions. */
  String name();

  /** Called once before the first execution. */
  default void init(Vertx vertx) {}

  Future<Object> execute(StepRequest request);
}
