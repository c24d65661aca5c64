package io.sluice.orchestrator.domain;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.ExpressionException;
import io.sluice.definition.StepDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Input.Cancel;
import io.sluice.orchestrator.domain.Input.Retry;
import io.sluice.orchestrator.domain.Input.Start;
import io.sluice.orchestrator.domain.Input.StepFailed;
import io.sluice.orchestrator.domain.Input.StepSucceeded;
import io.sluice.orchestrator.domain.Input.TimerFired;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The heart of the orchestrator: a pure function from (definition, state, input, now) to a {@link
 * Decision}. No I/O, no clock, no randomness: the same arguments give the same decision, which is
 * what makes replays, retries of a save and tests trivial.
 *
 * <p>Pure steps ({@code transform}, {@code emit}, the start of a {@code delay}, {@code if} and skip
 * propagation) are run inside the decision, so a workflow made only of them completes in one
 * decision and one store write.
 */
public final class Decider {
  private final String node;

  /**
   * @param node this node's name; lifecycle events have source {@code sluice/<node>}
   */
  public Decider(String node) {
    this.node = Objects.requireNonNull(node, "node");
  }

  /** Decides a {@link Start}: the state is created here. */
  public Decision start(WorkflowDefinition definition, Start start, Instant now) {
    Run run = Run.create(definition, start, now, "sluice/" + node);
    run.advance();
    return run.decision();
  }

  /** Decides any input but {@link Start} against the current state. */
  public Decision decide(
      WorkflowDefinition definition, InstanceState state, Input input, Instant now) {
    if (input instanceof Start) {
      return Decision.rejected(state, "the instance already exists");
    }
    Run run = new Run(definition, state, now, "sluice/" + node);
    String rejection = null;
    if (input instanceof StepSucceeded s) {
      run.stepSucceeded(s);
    } else if (input instanceof StepFailed f) {
      run.stepFailed(f);
    } else if (input instanceof Input.EventArrived e) {
      run.eventArrived(e.event());
    } else if (input instanceof TimerFired t) {
      run.timerFired(t.timerId());
    } else if (input instanceof Cancel c) {
      rejection = run.cancel(c.reason());
    } else if (input instanceof Input.Supersede s) {
      rejection = run.supersede(s.byInstanceId());
    } else if (input instanceof Retry) {
      rejection = run.retry();
    } else if (input instanceof Input.CompleteStep c) {
      rejection = run.completeWaiting(c);
    } else if (input instanceof Input.FailTask f) {
      rejection = run.failTask(f);
    }
    if (rejection != null) {
      return Decision.rejected(state, rejection);
    }
    if (!run.hasChanges()) {
      return Decision.unchanged(state);
    }
    run.advance();
    return run.decision();
  }

  /**
   * The attempts to run again after a restart: every RUNNING step of a non-terminal instance, as
   * the same attempt with the same idempotency key (execution is at-least-once). Changes nothing.
   */
  public List<Effect> resume(WorkflowDefinition definition, InstanceState state, Instant now) {
    if (state.status().isTerminal()) {
      return List.of();
    }
    return new Run(definition, state, now, "sluice/" + node).redispatchRunning();
  }

  /**
   * The {@code with} of a step evaluated against the instance's current variables (what the step
   * saw when it started, unless a template reads something that changed since), e.g. the {@code
   * schema} of a waiting {@code manual} step. Throws {@link
   * io.sluice.core.expr.ExpressionException} when it no longer evaluates.
   */
  public static Object parameters(
      WorkflowDefinition definition, InstanceState state, String stepId, Instant now) {
    return new Run(definition, state, now, "sluice/-").parameters(stepId);
  }

  /** The extension attribute counting workflow hops (see the router's chain-depth limit). */
  public static final String CHAIN_DEPTH = Run.CHAIN_DEPTH;

  /** For tests and tools: the events a decision would carry, without the rest. */
  public static List<String> types(List<CloudEvent> events) {
    return events.stream().map(CloudEvent::type).toList();
  }

  /** Thrown by nothing: expression failures become step failures with code {@code expression}. */
  static StepError expressionError(ExpressionException e) {
    return StepError.permanent("expression", e.getMessage());
  }

  static boolean isOnFailure(WorkflowDefinition definition, StepDef step) {
    return definition.onFailure().contains(step);
  }
}
