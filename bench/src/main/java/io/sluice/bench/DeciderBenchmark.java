package io.sluice.bench;

import io.sluice.core.expr.CelExpressions;
import io.sluice.definition.DefinitionParser;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.domain.Decision;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pure decider alone (no store, no HTTP): how many decisions per second one core makes. Each
 * benchmark decides the same input against the same state, so it measures the decision, not a
 * growing state.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DeciderBenchmark {
  static final int FAN_WIDTH = 8;
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

  private final Decider decider = new Decider("bench");
  private WorkflowDefinition chain;
  private WorkflowDefinition fan;
  private Input.Start start;
  private InstanceState fanStarted;
  private InstanceState fanAllButOne;
  private Input.StepSucceeded firstResult;
  private Input.StepSucceeded lastResult;

  @Setup
  public void setUp() {
    DefinitionParser parser = new DefinitionParser(CelExpressions.workflow(), t -> true);
    chain = parser.parse(Workflows.transformChain("t3"), false);
    fan = parser.parse(Workflows.fanOutFanIn("fan10", FAN_WIDTH), false);
    start = new Input.Start("inst-1", "key-1", Map.of("n", 1L), null);

    fanStarted = decider.start(fan, start, T0).state();
    List<String> calls = Workflows.fanOutSteps(FAN_WIDTH);
    firstResult = succeeded(calls.get(0));
    InstanceState state = fanStarted;
    for (String call : calls.subList(0, calls.size() - 1)) {
      state = decider.decide(fan, state, succeeded(call), T0.plusMillis(10)).state();
    }
    fanAllButOne = state;
    lastResult = succeeded(calls.get(calls.size() - 1));

    check(decider.start(chain, start, T0), InstanceStatus.COMPLETED);
    check(decider.decide(fan, fanStarted, firstResult, T0), InstanceStatus.RUNNING);
    check(decider.decide(fan, fanAllButOne, lastResult, T0), InstanceStatus.COMPLETED);
  }

  private static Input.StepSucceeded succeeded(String stepId) {
    return new Input.StepSucceeded(stepId, 1, Map.of("v", 1L));
  }

  private static void check(Decision d, InstanceStatus expected) {
    if (d.state().status() != expected) {
      throw new IllegalStateException(
          "expected the benchmark's decision to leave the instance "
              + expected
              + ", but it is "
              + d.state().status()
              + " (error "
              + d.state().error()
              + ")");
    }
  }

  /** Start of the 3-step transform chain: all three steps and the output in one decision. */
  @Benchmark
  public Decision startTransformChain() {
    return decider.start(chain, start, T0);
  }

  /** Start of the fan-out/fan-in: runs {@code prepare}, dispatches the 8 http steps. */
  @Benchmark
  public Decision startFanOut() {
    return decider.start(fan, start, T0);
  }

  /** The first of the 8 http results comes back: the join still waits. */
  @Benchmark
  public Decision firstFanOutResult() {
    return decider.decide(fan, fanStarted, firstResult, T0);
  }

  /** The last http result: the join runs and the instance completes. */
  @Benchmark
  public Decision lastFanOutResult() {
    return decider.decide(fan, fanAllButOne, lastResult, T0);
  }
}
