package io.sluice.orchestrator.engine;

import io.sluice.core.json.Json;
import io.sluice.orchestrator.steps.StepFailure;
import io.sluice.orchestrator.steps.StepRequest;
import io.sluice.orchestrator.steps.StepType;
import io.sluice.orchestrator.steps.StepTypes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The executed part of {@code forEach} (SPEC §4): runs the nested step type once per item, at most
 * {@code concurrency} at a time, and completes with their outputs in item order. The decider hands
 * it {@code {type, items, concurrency}}, each item being the nested step's evaluated {@code with}
 * (a nested {@code transform} never gets here: the decider completes it).
 *
 * <p>Item {@code i} runs as step {@code <stepId>[i]} with idempotency key {@code
 * <instanceId>/<stepId>/<i>}, the same in every attempt. The first item that fails stops the
 * launching of the rest (those running finish), and the step fails with that item's code and
 * retryability; a retry of the step runs every item again (at-least-once, like every step).
 */
final class ForEachStep implements StepType {
  static final String NAME = "forEach";
  static final int MAX_CONCURRENCY = 100;

  private final StepTypes types;

  ForEachStep(StepTypes types) {
    this.types = types;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The step id of item {@code index} of a forEach step. */
  static String itemStepId(String stepId, int index) {
    return stepId + "[" + index + "]";
  }

  /** The forEach step an item's step id belongs to (the id itself for any other step). */
  static String ownStep(String stepId) {
    return stepId.replaceFirst("\\[\\d+]$", "");
  }

  @Override
  public Future<Object> execute(StepRequest request) {
    Map<?, ?> with = request.with() instanceof Map<?, ?> m ? m : Map.of();
    StepType nested = with.get("type") instanceof String t ? types.get(t) : null;
    if (nested == null) {
      return Future.failedFuture(
          new StepFailure(
              "step.type", "no step type '" + with.get("type") + "' on this node", false));
    }
    List<?> items = with.get("items") instanceof List<?> l ? l : List.of();
    int concurrency =
        with.get("concurrency") instanceof Number n
            ? Math.max(1, Math.min(MAX_CONCURRENCY, n.intValue()))
            : 1;
    return new Batch(nested, request, items).run(concurrency);
  }

  /** One attempt over the items: launches, collects, stops at the first failure. */
  private static final class Batch {
    private final StepType nested;
    private final StepRequest request;
    private final List<?> items;
    private final Object[] outputs;
    private final Promise<Object> done = Promise.promise();
    private int next;
    private int running;
    private StepFailure failure;

    Batch(StepType nested, StepRequest request, List<?> items) {
      this.nested = nested;
      this.request = request;
      this.items = items;
      this.outputs = new Object[items.size()];
    }

    Future<Object> run(int concurrency) {
      for (int i = 0; i < concurrency && next < items.size(); i++) {
        launch();
      }
      if (items.isEmpty()) {
        done.complete(List.of());
      }
      return done.future();
    }

    private void launch() {
      int index = next++;
      running++;
      Future<Object> item;
      try {
        item =
            nested.execute(
                new StepRequest(
                    request.instanceId(),
                    request.workflowId(),
                    request.version(),
                    itemStepId(request.stepId(), index),
                    request.attempt(),
                    items.get(index),
                    request.timeout(),
                    request.idempotencyKey() + "/" + index));
      } catch (RuntimeException thrown) {
        item = Future.failedFuture(thrown);
      }
      item.onComplete(
          ar -> {
            running--;
            if (ar.succeeded()) {
              outputs[index] = Json.normalize(ar.result());
            } else if (failure == null) {
              failure = itemFailure(index, ar.cause());
            }
            if (failure == null && next < items.size()) {
              launch();
            } else if (running == 0) {
              if (failure != null) {
                done.tryFail(failure);
              } else {
                done.tryComplete(new ArrayList<>(Arrays.asList(outputs)));
              }
            }
          });
    }

    private static StepFailure itemFailure(int index, Throwable cause) {
      String prefix = "item " + index + ": ";
      if (cause instanceof StepFailure f) {
        return new StepFailure(f.code(), prefix + f.getMessage(), f.retryable());
      }
      return new StepFailure("error", prefix + cause, true);
    }
  }
}
