package io.sluice.orchestrator.domain;

import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_CANCELLED;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_COMPLETED;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_FAILED;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_RETRYING;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_SKIPPED;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_STARTED;
import static io.sluice.orchestrator.domain.LifecycleTypes.STEP_WAITING;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_CANCELLED;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_COMPLETED;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_FAILED;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_RETRIED;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_STARTED;
import static io.sluice.orchestrator.domain.LifecycleTypes.WORKFLOW_TIMED_OUT;
import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Effect.ExecuteStep;
import io.sluice.orchestrator.domain.Input.Cancel;
import io.sluice.orchestrator.domain.Input.Retry;
import io.sluice.orchestrator.domain.Input.Start;
import io.sluice.orchestrator.domain.Input.StepFailed;
import io.sluice.orchestrator.domain.Input.StepSucceeded;
import io.sluice.orchestrator.domain.Input.TimerFired;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules of SPEC §3–§5 as the pure decider implements them, one test per rule. */
class DeciderTest {
  private static final String INSTANCE = "inst-1";
  private static final String NODE = "node-a";
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

  private final Decider decider = new Decider(NODE);

  // ---- helpers ----------------------------------------------------------------------------------

  private Decision start(WorkflowDefinition def) {
    return start(def, "{}");
  }

  private Decision start(WorkflowDefinition def, String inputJson) {
    return decider.start(def, new Start(INSTANCE, "key-1", Json.parse(inputJson), null), T0);
  }

  private Decision decide(WorkflowDefinition def, Decision previous, Input input, Instant now) {
    return decider.decide(def, previous.state(), input, now);
  }

  private static StepState step(Decision d, String stepId) {
    return d.state().steps().get(stepId);
  }

  private static List<String> types(Decision d) {
    return Decider.types(d.events());
  }

  private static List<ExecuteStep> executions(Decision d) {
    List<ExecuteStep> out = new ArrayList<>();
    for (Effect e : d.effects()) {
      if (e instanceof ExecuteStep x) {
        out.add(x);
      }
    }
    return out;
  }

  private static Timer timer(Decision d, Timer.Kind kind, String stepId) {
    return d.state().timers().stream()
        .filter(t -> t.kind() == kind && java.util.Objects.equals(stepId, t.stepId()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " timer for " + stepId));
  }

  private static boolean hasTimer(Decision d, Timer.Kind kind, String stepId) {
    return d.state().timers().stream()
        .anyMatch(t -> t.kind() == kind && java.util.Objects.equals(stepId, t.stepId()));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> data(CloudEvent e) {
    return (Map<String, Object>) e.data();
  }

  private static CloudEvent event(Decision d, String type, String stepId) {
    return d.events().stream()
        .filter(e -> e.type().equals(type))
        .filter(e -> stepId == null || stepId.equals(data(e).get("stepId")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + type + " for " + stepId + ": " + types(d)));
  }

  private static StepSucceeded succeeded(String stepId, int attempt, String outputJson) {
    return new StepSucceeded(stepId, attempt, Json.parse(outputJson));
  }

  private static StepFailed failed(String stepId, int attempt, StepError error) {
    return new StepFailed(stepId, attempt, error);
  }

  private static StepError serverError() {
    return StepError.retryable("http.5xx", "503 Service Unavailable");
  }

  private static StepError notFound() {
    return StepError.permanent("http.4xx", "404 Not Found");
  }

  private static Object json(String text) {
    return Json.parse(text);
  }

  // ---- §3 parallel ready steps and joins --------------------------------------------------------

  private final WorkflowDefinition fanOut =
      DefinitionBuilder.workflow("fan")
          .step("a", "http")
          .with("{\"url\": \"http://a\"}")
          .step("b", "http")
          .with("{\"url\": \"http://b\"}")
          .step("join", "transform")
          .needs("a", "b")
          .with("{\"sum\": \"${steps.a.output.v + steps.b.output.v}\"}")
          .build();

  @Test
  void readyRootStepsAreDispatchedTogetherInOneDecision() {
    // when
    Decision d = start(fanOut);

    // then
    assertThat(executions(d)).extracting(ExecuteStep::stepId).containsExactly("a", "b");
    assertThat(executions(d))
        .extracting(ExecuteStep::with)
        .containsExactly(json("{\"url\": \"http://a\"}"), json("{\"url\": \"http://b\"}"));
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(step(d, "join").status()).isEqualTo(StepStatus.PENDING);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.RUNNING);
  }

  @Test
  void joinStepWaitsUntilEveryStepItNeedsIsDone() {
    // given
    Decision started = start(fanOut);

    // when
    Decision afterA = decide(fanOut, started, succeeded("a", 1, "{\"v\": 1}"), T0.plusSeconds(1));

    // then
    assertThat(step(afterA, "a").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(afterA, "join").status()).isEqualTo(StepStatus.PENDING);
    assertThat(afterA.effects()).isEmpty();
    assertThat(afterA.state().status()).isEqualTo(InstanceStatus.RUNNING);

    // when
    Decision afterB = decide(fanOut, afterA, succeeded("b", 1, "{\"v\": 2}"), T0.plusSeconds(2));

    // then
    assertThat(step(afterB, "join").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(afterB, "join").output()).isEqualTo(Map.of("sum", 3L));
    assertThat(afterB.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  // ---- §3 pure steps decided together -----------------------------------------------------------

  private final WorkflowDefinition chain =
      DefinitionBuilder.workflow("chain")
          .step("a", "transform")
          .with("{\"n\": \"${input.n + 1}\"}")
          .step("b", "transform")
          .needs("a")
          .with("{\"n\": \"${steps.a.output.n * 10}\", \"text\": \"n=${steps.a.output.n}\"}")
          .step("c", "transform")
          .needs("b")
          .with(
              "{\"sum\": \"${steps.b.output.n + input.n}\", \"big\": \"${steps.b.output.n > 10}\","
                  + " \"who\": \"${instance.id}\"}")
          .output(
              "{\"sum\": \"${steps.c.output.sum}\", \"text\": \"${steps.b.output.text}\","
                  + " \"big\": \"${steps.c.output.big}\", \"who\": \"${steps.c.output.who}\"}")
          .build();

  @Test
  void aChainOfTransformsCompletesInOneDecision() {
    // when
    Decision d = start(chain, "{\"n\": 1}");

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.state().endedAt()).isEqualTo(T0);
    assertThat(step(d, "a").output()).isEqualTo(Map.of("n", 2L));
    assertThat(step(d, "b").output()).isEqualTo(Map.of("n", 20L, "text", "n=2"));
    assertThat(d.state().output())
        .isEqualTo(Map.of("sum", 21L, "text", "n=2", "big", true, "who", INSTANCE));
  }

  @Test
  void typedValuesStayTyped() {
    // when
    Decision d = start(chain, "{\"n\": 1}");

    // then: "${expr}" keeps the int/bool type, interpolation gives text
    @SuppressWarnings("unchecked")
    Map<String, Object> output = (Map<String, Object>) d.state().output();
    assertThat(output.get("sum")).isInstanceOf(Long.class);
    assertThat(output.get("big")).isInstanceOf(Boolean.class);
    assertThat(output.get("text")).isInstanceOf(String.class);
  }

  @Test
  void aChainOfTransformsEmitsItsLifecycleEventsInOrder() {
    // when
    Decision d = start(chain, "{\"n\": 1}");

    // then
    assertThat(types(d))
        .containsExactly(
            WORKFLOW_STARTED,
            STEP_STARTED,
            STEP_COMPLETED,
            STEP_STARTED,
            STEP_COMPLETED,
            STEP_STARTED,
            STEP_COMPLETED,
            WORKFLOW_COMPLETED);
    assertThat(d.events().subList(1, 7))
        .extracting(e -> data(e).get("stepId"))
        .containsExactly("a", "a", "b", "b", "c", "c");
    assertThat(data(d.events().get(7)).get("output")).isEqualTo(d.state().output());
  }

  // ---- §3 if and skip propagation ---------------------------------------------------------------

  @Test
  void aFalseIfSkipsTheStep() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("cond")
            .step("a", "transform")
            .when("input.flag")
            .with("{\"x\": 1}")
            .build();

    // when
    Decision d = start(def, "{\"flag\": false}");

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(d, "a").output()).isNull();
    assertThat(types(d)).containsExactly(WORKFLOW_STARTED, STEP_SKIPPED, WORKFLOW_COMPLETED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  @Test
  void aTrueIfRunsTheStep() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("cond")
            .step("a", "transform")
            .when("input.flag")
            .with("{\"x\": 1}")
            .build();

    // when
    Decision d = start(def, "{\"flag\": true}");

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.COMPLETED);
  }

  @Test
  void aStepWhoseNeedsWereAllSkippedIsSkippedWithoutAnIf() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("skip")
            .step("a", "transform")
            .when("false")
            .step("b", "transform")
            .when("1 > 2")
            .step("c", "http")
            .needs("a", "b")
            .step("d", "transform")
            .needs("c")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "c").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(step(d, "d").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  @Test
  void aStepWhoseNeedsAreSkippedAndCompletedRuns() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("mixed")
            .step("a", "transform")
            .when("false")
            .step("b", "transform")
            .with("{\"v\": 7}")
            .step("c", "transform")
            .needs("a", "b")
            .with("{\"a\": \"${steps.a.status}\", \"b\": \"${steps.b.output.v}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "c").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "c").output()).isEqualTo(Map.of("a", "SKIPPED", "b", 7L));
  }

  @Test
  void anIfThatFailsAtRunTimeFailsTheStepWithCodeExpressionAndIsNotRetried() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("bad-if")
            .step("a", "http")
            .when("input.missing.x > 1")
            .retry(3, 1000, 2.0, 60_000, 0)
            .build();

    // when
    Decision d = start(def);

    // then
    StepState a = step(d, "a");
    assertThat(a.status()).isEqualTo(StepStatus.FAILED);
    assertThat(a.error().code()).isEqualTo("expression");
    assertThat(a.error().message()).contains("input.missing.x > 1");
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().error().stepId()).isEqualTo("a");
    assertThat(types(d)).contains(STEP_FAILED).endsWith(WORKFLOW_FAILED);
  }

  @Test
  void aWithThatFailsAtRunTimeFailsTheStepWithCodeExpression() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("bad-with")
            .step("a", "http")
            .with("{\"url\": \"${input.url.host}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "a").error().code()).isEqualTo("expression");
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  // ---- §3 failure, continueOnError, onFailure ---------------------------------------------------

  @Test
  void continueOnErrorLetsDependentsRunAndSeeTheFailure() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("coe")
            .step("a", "http")
            .continueOnError()
            .step("b", "transform")
            .needs("a")
            .with("{\"seen\": \"${steps.a.status}\", \"code\": \"${steps.a.error.code}\"}")
            .build();
    Decision started = start(def);

    // when
    Decision d = decide(def, started, failed("a", 1, notFound()), T0.plusSeconds(1));

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "b").output()).isEqualTo(Map.of("seen", "FAILED", "code", "http.4xx"));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(types(d)).doesNotContain(WORKFLOW_FAILED);
  }

  @Test
  void anUnhandledFailureCancelsRunningAndPendingStepsAndFailsTheInstance() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("fail")
            .step("a", "http")
            .step("b", "http")
            .timeout(Duration.ofSeconds(30))
            .step("c", "transform")
            .needs("a", "b")
            .build();
    Decision started = start(def);
    Instant t1 = T0.plusSeconds(1);

    // when
    Decision d = decide(def, started, failed("a", 1, notFound()), t1);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(d, "b").endedAt()).isEqualTo(t1);
    assertThat(step(d, "c").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(types(d)).containsExactly(STEP_FAILED, STEP_CANCELLED, WORKFLOW_FAILED);
    assertThat(data(event(d, STEP_CANCELLED, null)).get("stepId")).isEqualTo("b");
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().error().code()).isEqualTo("http.4xx");
    assertThat(d.state().error().stepId()).isEqualTo("a");
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.effects()).isEmpty();
    assertThat(data(event(d, WORKFLOW_FAILED, null)).get("error"))
        .isEqualTo(Map.of("code", "http.4xx", "message", "404 Not Found", "stepId", "a"));
  }

  @Test
  void onFailureStepsRunWithTheErrorInScopeBeforeTheInstanceFails() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("of")
            .step("a", "http")
            .onFailure("alert", "transform")
            .with(
                "{\"failed\": \"${error.stepId}\", \"code\": \"${error.code}\","
                    + " \"text\": \"step ${error.stepId} failed: ${error.message}\"}")
            .build();
    Decision started = start(def);
    assertThat(step(started, "alert").status()).isEqualTo(StepStatus.PENDING);

    // when
    Decision d = decide(def, started, failed("a", 1, notFound()), T0.plusSeconds(1));

    // then
    assertThat(step(d, "alert").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "alert").output())
        .isEqualTo(
            Map.of("failed", "a", "code", "http.4xx", "text", "step a failed: 404 Not Found"));
    assertThat(types(d))
        .containsExactly(STEP_FAILED, STEP_STARTED, STEP_COMPLETED, WORKFLOW_FAILED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().endingAs()).isNull();
    assertThat(d.state().error().stepId()).isEqualTo("a");
  }

  @Test
  void theInstanceStaysRunningUntilAnOnFailureHttpStepReturns() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("of-http")
            .step("a", "http")
            .onFailure("notify", "http")
            .with("{\"text\": \"${error.code}\"}")
            .build();
    Decision started = start(def);

    // when
    Decision failing = decide(def, started, failed("a", 1, notFound()), T0.plusSeconds(1));

    // then
    assertThat(failing.state().status()).isEqualTo(InstanceStatus.RUNNING);
    assertThat(failing.state().endingAs()).isEqualTo(InstanceStatus.FAILED);
    assertThat(step(failing, "notify").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(executions(failing))
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.stepId()).isEqualTo("notify");
              assertThat(x.with()).isEqualTo(Map.of("text", "http.4xx"));
            });
    assertThat(types(failing)).doesNotContain(WORKFLOW_FAILED);

    // when
    Decision done = decide(def, failing, succeeded("notify", 1, "{}"), T0.plusSeconds(2));

    // then
    assertThat(done.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(done.state().error().stepId()).isEqualTo("a");
    assertThat(types(done)).containsExactly(STEP_COMPLETED, WORKFLOW_FAILED);
  }

  @Test
  void aFailingOnFailureStepStillEndsTheInstanceAsFailed() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("of-fails")
            .step("a", "http")
            .onFailure("notify", "http")
            .build();
    Decision failing = decide(def, start(def), failed("a", 1, notFound()), T0.plusSeconds(1));

    // when
    Decision d = decide(def, failing, failed("notify", 1, notFound()), T0.plusSeconds(2));

    // then
    assertThat(step(d, "notify").status()).isEqualTo(StepStatus.FAILED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().error().stepId()).isEqualTo("a");
    assertThat(types(d)).containsExactly(STEP_FAILED, WORKFLOW_FAILED);
  }

  @Test
  void onFailureStepsDoNotRunWhenTheInstanceCompletes() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("of-ok")
            .step("a", "transform")
            .onFailure("alert", "emit")
            .with("{\"type\": \"alert\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.emitted()).isEmpty();
    assertThat(step(d, "alert").status()).isNotEqualTo(StepStatus.COMPLETED);
  }

  /**
   * Was a bug: when a step fails inside the decision that dispatched another step (here: root
   * {@code a} is dispatched, then root {@code b} fails on its {@code with} expression), {@code a}
   * is CANCELLED in the returned state but its {@link ExecuteStep} effect is still in {@link
   * Decision#effects()}, so the engine calls the endpoint of a step that is already cancelled.
   */
  @Test
  void aStepCancelledInTheDecisionThatDispatchedItIsNotExecuted() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("same-decision")
            .step("a", "http")
            .with("{\"url\": \"http://a\"}")
            .step("b", "transform")
            .with("{\"x\": \"${input.missing.x}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(executions(d)).extracting(ExecuteStep::stepId).doesNotContain("a");
  }

  // ---- §3 retries -------------------------------------------------------------------------------

  private final WorkflowDefinition threeAttempts =
      DefinitionBuilder.workflow("retry")
          .step("a", "http")
          .with("{\"url\": \"http://a\"}")
          .retry(3, 1000, 2.0, 60_000, 0.2)
          .build();
  private final Instant t1 = T0.plusSeconds(1);

  @Test
  void aRetryableFailureWithAttemptsLeftWaitsForARetryTimer() {
    // given
    Decision started = start(threeAttempts);

    // when
    Decision d = decide(threeAttempts, started, failed("a", 1, serverError()), t1);

    // then
    StepState a = step(d, "a");
    assertThat(a.status()).isEqualTo(StepStatus.WAITING);
    assertThat(a.waitingFor()).isEqualTo("retry");
    assertThat(a.attempt()).isEqualTo(1);
    assertThat(a.error().code()).isEqualTo("http.5xx");
    Timer retry = timer(d, Timer.Kind.RETRY, "a");
    assertThat(retry.attempt()).isEqualTo(1);
    assertThat(retry.dueAt()).isBetween(t1.plusMillis(800), t1.plusMillis(1200));
    assertThat(d.state().nextTimerAt()).isEqualTo(retry.dueAt());
    assertThat(types(d)).containsExactly(STEP_RETRYING);
    assertThat(data(d.events().get(0)).get("nextAttemptAt")).isEqualTo(retry.dueAt().toString());
    assertThat(data(d.events().get(0)))
        .containsEntry("startedAt", T0.toString())
        .containsEntry("endedAt", t1.toString());
    assertThat(
            data(
                started.events().stream()
                    .filter(e -> e.type().equals("step.started"))
                    .findFirst()
                    .orElseThrow()))
        .containsEntry("startedAt", T0.toString());
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.RUNNING);
  }

  @Test
  void theRetryTimerStartsTheNextAttemptWithTheSameIdempotencyKey() {
    // given
    Decision started = start(threeAttempts);
    Decision waiting = decide(threeAttempts, started, failed("a", 1, serverError()), t1);
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");

    // when
    Decision d = decide(threeAttempts, waiting, new TimerFired(retry.id()), retry.dueAt());

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(step(d, "a").attempt()).isEqualTo(2);
    assertThat(step(d, "a").startedAt()).isEqualTo(T0);
    ExecuteStep first = executions(started).get(0);
    assertThat(executions(d))
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.attempt()).isEqualTo(2);
              assertThat(x.idempotencyKey()).isEqualTo(INSTANCE + "/a");
              assertThat(x.idempotencyKey()).isEqualTo(first.idempotencyKey());
              assertThat(x.with()).isEqualTo(first.with());
            });
    assertThat(types(d)).containsExactly(STEP_STARTED);
    assertThat(data(d.events().get(0)).get("attempt")).isEqualTo(2L);
    assertThat(d.state().timers()).isEmpty();
  }

  @Test
  void theLastAttemptFailingFailsTheStepAndTheInstance() {
    // given
    WorkflowDefinition twice =
        DefinitionBuilder.workflow("retry2")
            .step("a", "http")
            .retry(2, 1000, 2.0, 60_000, 0)
            .build();
    Decision waiting = decide(twice, start(twice), failed("a", 1, serverError()), t1);
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");
    Decision second = decide(twice, waiting, new TimerFired(retry.id()), retry.dueAt());

    // when
    Decision d = decide(twice, second, failed("a", 2, serverError()), retry.dueAt().plusSeconds(1));

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "a").attempt()).isEqualTo(2);
    assertThat(d.state().timers()).isEmpty();
    assertThat(types(d)).containsExactly(STEP_FAILED, WORKFLOW_FAILED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void aNonRetryableCodeFailsTheStepAtOnce() {
    // given
    WorkflowDefinition strict =
        DefinitionBuilder.workflow("strict")
            .step("a", "http")
            .retry(3, 1000, 2.0, 60_000, 0, "http.4xx")
            .build();

    // when: the task says "retryable", but the definition lists the code as non-retryable
    Decision d =
        decide(strict, start(strict), failed("a", 1, StepError.retryable("http.4xx", "409")), t1);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "a").attempt()).isEqualTo(1);
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void aPermanentErrorFailsTheStepAtOnce() {
    // when
    Decision d =
        decide(
            threeAttempts,
            start(threeAttempts),
            failed("a", 1, StepError.permanent("http.5xx", "nope")),
            t1);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(types(d)).doesNotContain(STEP_RETRYING);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void theBackoffGrowsExponentiallyAndIsCappedAtTheMaxInterval() {
    // given: 1s, then x10 capped at 5s, no jitter
    WorkflowDefinition steep =
        DefinitionBuilder.workflow("steep").step("a", "http").retry(4, 1000, 10.0, 5000, 0).build();
    Decision w1 = decide(steep, start(steep), failed("a", 1, serverError()), t1);
    Timer r1 = timer(w1, Timer.Kind.RETRY, "a");
    Decision a2 = decide(steep, w1, new TimerFired(r1.id()), r1.dueAt());
    Instant t2 = r1.dueAt().plusSeconds(1);

    // when
    Decision w2 = decide(steep, a2, failed("a", 2, serverError()), t2);

    // then
    assertThat(r1.dueAt()).isEqualTo(t1.plusMillis(1000));
    Timer r2 = timer(w2, Timer.Kind.RETRY, "a");
    assertThat(r2.attempt()).isEqualTo(2);
    assertThat(r2.dueAt()).isEqualTo(t2.plusMillis(5000));
  }

  @Test
  void theSecondBackoffDoublesTheFirst() {
    // given
    WorkflowDefinition doubling =
        DefinitionBuilder.workflow("doubling")
            .step("a", "http")
            .retry(3, 1000, 2.0, 60_000, 0)
            .build();
    Decision w1 = decide(doubling, start(doubling), failed("a", 1, serverError()), t1);
    Timer r1 = timer(w1, Timer.Kind.RETRY, "a");
    Decision a2 = decide(doubling, w1, new TimerFired(r1.id()), r1.dueAt());
    Instant t2 = r1.dueAt().plusSeconds(1);

    // when
    Decision w2 = decide(doubling, a2, failed("a", 2, serverError()), t2);

    // then
    assertThat(Duration.between(t1, r1.dueAt())).isEqualTo(Duration.ofSeconds(1));
    assertThat(Duration.between(t2, timer(w2, Timer.Kind.RETRY, "a").dueAt()))
        .isEqualTo(Duration.ofSeconds(2));
  }

  // ---- §3 exactly-once: stale and repeated inputs -----------------------------------------------

  private final WorkflowDefinition twoCalls =
      DefinitionBuilder.workflow("stale")
          .step("a", "http")
          .retry(3, 1000, 2.0, 60_000, 0)
          .step("b", "http")
          .build();

  @Test
  void aResultOfAnOldAttemptIsIgnored() {
    // given: attempt 1 failed, attempt 2 is running
    Decision waiting =
        decide(twoCalls, start(twoCalls), failed("a", 1, serverError()), T0.plusSeconds(1));
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");
    Decision second = decide(twoCalls, waiting, new TimerFired(retry.id()), retry.dueAt());

    // when
    Decision late = decide(twoCalls, second, succeeded("a", 1, "{}"), retry.dueAt().plusSeconds(1));
    Decision lateFailure =
        decide(twoCalls, second, failed("a", 1, notFound()), retry.dueAt().plusSeconds(1));

    // then
    assertThat(late.changed()).isFalse();
    assertThat(late.state()).isEqualTo(second.state());
    assertThat(late.effects()).isEmpty();
    assertThat(lateFailure.changed()).isFalse();
    assertThat(lateFailure.state()).isEqualTo(second.state());
  }

  @Test
  void aResultForAStepWaitingForItsRetryIsIgnored() {
    // given
    Decision waiting =
        decide(twoCalls, start(twoCalls), failed("a", 1, serverError()), T0.plusSeconds(1));

    // when
    Decision d = decide(twoCalls, waiting, succeeded("a", 1, "{}"), T0.plusSeconds(2));

    // then
    assertThat(d.changed()).isFalse();
    assertThat(d.state()).isEqualTo(waiting.state());
  }

  @Test
  void aSecondResultForACompletedStepIsIgnored() {
    // given
    Decision first =
        decide(twoCalls, start(twoCalls), succeeded("a", 1, "{\"v\": 1}"), T0.plusSeconds(1));

    // when
    Decision again = decide(twoCalls, first, succeeded("a", 1, "{\"v\": 2}"), T0.plusSeconds(2));

    // then
    assertThat(again.changed()).isFalse();
    assertThat(again.events()).isEmpty();
    assertThat(again.state()).isEqualTo(first.state());
    assertThat(step(again, "a").output()).isEqualTo(Map.of("v", 1L));
  }

  @Test
  void aResultForAFinishedInstanceIsIgnored() {
    // given
    Decision failedInstance =
        decide(twoCalls, start(twoCalls), failed("a", 1, notFound()), T0.plusSeconds(1));

    // when: b was cancelled, its result comes in late
    Decision d = decide(twoCalls, failedInstance, succeeded("b", 1, "{}"), T0.plusSeconds(2));

    // then
    assertThat(d.changed()).isFalse();
    assertThat(d.state()).isEqualTo(failedInstance.state());
  }

  @Test
  void theSameTimerFiringTwiceIsDecidedOnce() {
    // given
    Decision waiting =
        decide(twoCalls, start(twoCalls), failed("a", 1, serverError()), T0.plusSeconds(1));
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");
    Decision fired = decide(twoCalls, waiting, new TimerFired(retry.id()), retry.dueAt());

    // when
    Decision again =
        decide(twoCalls, fired, new TimerFired(retry.id()), retry.dueAt().plusSeconds(1));

    // then
    assertThat(fired.changed()).isTrue();
    assertThat(again.changed()).isFalse();
    assertThat(again.effects()).isEmpty();
    assertThat(again.state()).isEqualTo(fired.state());
    assertThat(step(again, "a").attempt()).isEqualTo(2);
  }

  @Test
  void anUnknownStepOrTimerIsIgnored() {
    // given
    Decision started = start(twoCalls);

    // when
    Decision unknownStep = decide(twoCalls, started, succeeded("zzz", 1, "{}"), T0.plusSeconds(1));
    Decision unknownTimer = decide(twoCalls, started, new TimerFired("RETRY:zzz:1"), T0);

    // then
    assertThat(unknownStep.changed()).isFalse();
    assertThat(unknownTimer.changed()).isFalse();
  }

  @Test
  void aStartForAnExistingInstanceIsRejected() {
    // given
    Decision started = start(twoCalls);

    // when
    Decision d =
        decider.decide(twoCalls, started.state(), new Start(INSTANCE, "key-1", null, null), T0);

    // then
    assertThat(d.rejection()).isNotNull();
    assertThat(d.changed()).isFalse();
    assertThat(d.state()).isEqualTo(started.state());
  }

  /**
   * Was a bug: after {@link Retry}, a reset step restarts at attempt 1, so a redelivery of a result
   * decided before the retry (at-least-once transport) carries the same (stepId, attempt) as the
   * new attempt and is decided a second time: the same StepFailed fails the instance again.
   */
  @Test
  void aResultDecidedBeforeARetryIsNotDecidedAgainAfterIt() {
    // given
    WorkflowDefinition one = DefinitionBuilder.workflow("once").step("b", "http").build();
    StepFailed failure = failed("b", 1, notFound());
    Decision failedInstance = decide(one, start(one), failure, T0.plusSeconds(1));
    Decision retried = decide(one, failedInstance, new Retry(), T0.plusSeconds(10));

    // when: the same failure is delivered again
    Decision redelivered = decide(one, retried, failure, T0.plusSeconds(11));

    // then
    assertThat(redelivered.changed()).isFalse();
    assertThat(redelivered.state().status()).isEqualTo(InstanceStatus.RUNNING);
  }

  // ---- §3 step timeout --------------------------------------------------------------------------

  private final WorkflowDefinition slowCall =
      DefinitionBuilder.workflow("slow").step("a", "http").timeout(Duration.ofSeconds(10)).build();

  @Test
  void anExecutedStepWithATimeoutArmsATimerForItsAttempt() {
    // when
    Decision d = start(slowCall);

    // then
    Timer t = timer(d, Timer.Kind.STEP_TIMEOUT, "a");
    assertThat(t.attempt()).isEqualTo(1);
    assertThat(t.dueAt()).isEqualTo(T0.plusSeconds(10));
    assertThat(executions(d).get(0).timeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void theTimeoutFiringFailsTheAttemptWithCodeTimeout() {
    // given
    Decision started = start(slowCall);
    Timer t = timer(started, Timer.Kind.STEP_TIMEOUT, "a");

    // when
    Decision d = decide(slowCall, started, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "a").error().code()).isEqualTo("timeout");
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().error().code()).isEqualTo("timeout");
  }

  @Test
  void aTimedOutAttemptIsRetriedWhenAttemptsAreLeft() {
    // given
    WorkflowDefinition timeoutThenRetry =
        DefinitionBuilder.workflow("slow-retry")
            .step("a", "http")
            .timeout(Duration.ofSeconds(10))
            .retry(2, 1000, 2.0, 60_000, 0)
            .build();
    Decision started = start(timeoutThenRetry);
    Timer t = timer(started, Timer.Kind.STEP_TIMEOUT, "a");
    Decision waiting = decide(timeoutThenRetry, started, new TimerFired(t.id()), t.dueAt());
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");

    // when
    Decision second = decide(timeoutThenRetry, waiting, new TimerFired(retry.id()), retry.dueAt());

    // then
    assertThat(step(waiting, "a").status()).isEqualTo(StepStatus.WAITING);
    assertThat(step(waiting, "a").error().code()).isEqualTo("timeout");
    assertThat(hasTimer(waiting, Timer.Kind.STEP_TIMEOUT, "a")).isFalse();
    assertThat(step(second, "a").attempt()).isEqualTo(2);
    Timer t2 = timer(second, Timer.Kind.STEP_TIMEOUT, "a");
    assertThat(t2.attempt()).isEqualTo(2);
    assertThat(t2.dueAt()).isEqualTo(retry.dueAt().plusSeconds(10));
    // the late answer of the timed-out attempt is stale now
    assertThat(decide(timeoutThenRetry, second, succeeded("a", 1, "{}"), t2.dueAt()).changed())
        .isFalse();
  }

  @Test
  void successBeforeTheTimeoutDisarmsIt() {
    // given
    Decision started = start(slowCall);
    Timer t = timer(started, Timer.Kind.STEP_TIMEOUT, "a");

    // when
    Decision done = decide(slowCall, started, succeeded("a", 1, "{}"), T0.plusSeconds(3));
    Decision fired = decide(slowCall, done, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(done.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(done.state().timers()).isEmpty();
    assertThat(fired.changed()).isFalse();
  }

  @Test
  void successBeforeTheTimeoutOfARunningInstanceRemovesOnlyThatTimer() {
    // given: b keeps the instance running
    WorkflowDefinition two =
        DefinitionBuilder.workflow("two")
            .step("a", "http")
            .timeout(Duration.ofSeconds(10))
            .step("b", "http")
            .timeout(Duration.ofSeconds(20))
            .build();
    Decision started = start(two);

    // when
    Decision d = decide(two, started, succeeded("a", 1, "{}"), T0.plusSeconds(3));

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.RUNNING);
    assertThat(hasTimer(d, Timer.Kind.STEP_TIMEOUT, "a")).isFalse();
    assertThat(hasTimer(d, Timer.Kind.STEP_TIMEOUT, "b")).isTrue();
  }

  // ---- §3 workflow timeout ----------------------------------------------------------------------

  private final WorkflowDefinition hourLimit =
      DefinitionBuilder.workflow("bounded")
          .timeout(Duration.ofHours(1))
          .step("a", "http")
          .step("b", "delay")
          .with("{\"duration\": \"PT2H\"}")
          .step("c", "transform")
          .needs("a", "b")
          .build();

  @Test
  void anInstanceWithATimeoutArmsAWorkflowTimer() {
    // when
    Decision d = start(hourLimit);

    // then
    Timer t = timer(d, Timer.Kind.WORKFLOW_TIMEOUT, null);
    assertThat(t.dueAt()).isEqualTo(T0.plus(Duration.ofHours(1)));
  }

  @Test
  void theWorkflowTimerFiringTimesTheInstanceOutAndCancelsItsSteps() {
    // given
    Decision started = start(hourLimit);
    Timer t = timer(started, Timer.Kind.WORKFLOW_TIMEOUT, null);

    // when
    Decision d = decide(hourLimit, started, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.TIMED_OUT);
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(d, "c").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(types(d)).containsExactly(STEP_CANCELLED, STEP_CANCELLED, WORKFLOW_TIMED_OUT);
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.state().endedAt()).isEqualTo(t.dueAt());
    assertThat(d.effects()).isEmpty();
  }

  @Test
  void aCompletedInstanceDisarmsItsWorkflowTimer() {
    // given
    WorkflowDefinition quick =
        DefinitionBuilder.workflow("quick").timeout(Duration.ofHours(1)).step("a", "http").build();

    // when
    Decision d = decide(quick, start(quick), succeeded("a", 1, "{}"), T0.plusSeconds(1));

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.state().timers()).isEmpty();
  }

  // ---- §4 delay ---------------------------------------------------------------------------------

  // ---- §4 manual steps
  // ---------------------------------------------------------------------------

  private final WorkflowDefinition approval =
      DefinitionBuilder.workflow("approval")
          .step("approve", "manual")
          .with("{\"assignee\": \"${input.manager}\", \"schema\": {\"type\": \"object\"}}")
          .timeout(Duration.ofHours(24))
          .step("after", "transform")
          .needs("approve")
          .with("{\"approved\": \"${steps.approve.output.ok}\"}")
          .build();

  private Decision startApproval() {
    return start(approval, "{\"manager\": \"ana\"}");
  }

  private Decision completeStep(Decision from, String stepId, int attempt, String dataJson) {
    return decide(approval, from, new Input.CompleteStep(stepId, attempt, json(dataJson)), T0);
  }

  @Test
  void aManualStepWaitsForACompletionAndSaysWhoShouldGiveIt() {
    // when
    Decision d = startApproval();

    // then
    StepState approve = step(d, "approve");
    assertThat(approve.status()).isEqualTo(StepStatus.WAITING);
    assertThat(approve.waitingFor()).isEqualTo("manual");
    assertThat(d.effects()).isEmpty();
    Map<String, Object> waiting = data(event(d, STEP_WAITING, "approve"));
    assertThat(waiting).containsEntry("reason", "manual").containsEntry("assignee", "ana");
    Timer t = timer(d, Timer.Kind.WAIT_TIMEOUT, "approve");
    assertThat(t.dueAt()).isEqualTo(T0.plus(Duration.ofHours(24)));
    assertThat(waiting).containsEntry("until", t.dueAt().toString());
  }

  @Test
  void completingAManualStepMakesTheDataItsOutputAndRunsItsDependents() {
    // given
    Decision started = startApproval();

    // when
    Decision d = completeStep(started, "approve", 1, "{\"ok\": true}");

    // then
    assertThat(d.rejection()).isNull();
    assertThat(step(d, "approve").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "approve").output()).isEqualTo(Map.of("ok", true));
    assertThat(step(d, "after").output()).isEqualTo(Map.of("approved", true));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.state().timers()).isEmpty();
  }

  @Test
  void aSecondCompletionOfAManualStepIsRejectedAndChangesNothing() {
    // given
    Decision started = startApproval();
    Decision done = completeStep(started, "approve", 1, "{\"ok\": true}");

    // when
    Decision again = completeStep(done, "approve", 1, "{\"ok\": false}");

    // then
    assertThat(again.rejection()).isEqualTo("the instance is already COMPLETED");
    assertThat(again.state()).isEqualTo(done.state());
  }

  @Test
  void aCompletionOfAStepThatIsNotAWaitingManualStepIsRejected() {
    // given
    Decision started = startApproval();

    // when
    Decision wrongStep = completeStep(started, "after", 1, "{}");
    Decision wrongAttempt = completeStep(started, "approve", 2, "{}");

    // then
    assertThat(wrongStep.rejection()).isEqualTo("the workflow has no manual or task step 'after'");
    assertThat(wrongAttempt.rejection())
        .isEqualTo("step 'approve' waits in attempt 1, not in attempt 2");
    assertThat(wrongStep.state()).isEqualTo(started.state());
    assertThat(wrongAttempt.state()).isEqualTo(started.state());
  }

  @Test
  void aManualStepNobodyCompletesFailsWithCodeTimeout() {
    // given
    Decision started = startApproval();
    Timer t = timer(started, Timer.Kind.WAIT_TIMEOUT, "approve");

    // when
    Decision d = decide(approval, started, new TimerFired(t.id()), t.dueAt());
    Decision late =
        decide(approval, d, new Input.CompleteStep("approve", 1, json("{}")), t.dueAt());

    // then
    assertThat(step(d, "approve").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "approve").error().code()).isEqualTo("timeout");
    assertThat(step(d, "approve").error().message())
        .isEqualTo("nobody completed the step within its timeout of PT24H");
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(late.rejection()).isEqualTo("the instance is already FAILED");
  }

  @Test
  void theParametersOfAWaitingManualStepAreItsWithEvaluated() {
    // given
    Decision started = startApproval();

    // when
    Object with = Decider.parameters(approval, started.state(), "approve", T0);

    // then
    assertThat(with).isEqualTo(Map.of("assignee", "ana", "schema", Map.of("type", "object")));
  }

  // ---- §4 task steps
  // -----------------------------------------------------------------------------

  private final WorkflowDefinition mailing =
      DefinitionBuilder.workflow("mailing")
          .step("send", "task")
          .with("{\"queue\": \"emails\", \"input\": {\"to\": \"${input.to}\"}}")
          .timeout(Duration.ofMinutes(30))
          .retry(2, 1000, 2.0, 60_000, 0)
          .build();

  private Decision startMailing() {
    return start(mailing, "{\"to\": \"ana@example.com\"}");
  }

  private static <T extends Effect> List<T> effects(Decision d, Class<T> type) {
    return d.effects().stream().filter(type::isInstance).map(type::cast).toList();
  }

  @Test
  void aTaskStepOffersItsTaskAndWaits() {
    // when
    Decision d = startMailing();

    // then
    assertThat(step(d, "send").status()).isEqualTo(StepStatus.WAITING);
    assertThat(step(d, "send").waitingFor()).isEqualTo("task");
    Effect.OfferTask offer = effects(d, Effect.OfferTask.class).get(0);
    assertThat(offer.taskId()).isEqualTo(INSTANCE + ":send:1");
    assertThat(offer.queue()).isEqualTo("emails");
    assertThat(offer.input()).isEqualTo(Map.of("to", "ana@example.com"));
    assertThat(data(event(d, STEP_WAITING, "send")))
        .containsEntry("reason", "task")
        .containsEntry("queue", "emails")
        .containsEntry("taskId", INSTANCE + ":send:1");
    assertThat(hasTimer(d, Timer.Kind.WAIT_TIMEOUT, "send")).isTrue();
  }

  @Test
  void completingATaskWithdrawsItAndCompletesTheStep() {
    // given
    Decision started = startMailing();

    // when
    Decision d =
        decide(mailing, started, new Input.CompleteStep("send", 1, json("{\"sent\": 1}")), T0);

    // then
    assertThat(d.rejection()).isNull();
    assertThat(step(d, "send").output()).isEqualTo(Map.of("sent", 1L));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(effects(d, Effect.WithdrawTask.class))
        .containsExactly(new Effect.WithdrawTask(INSTANCE + ":send:1"));
  }

  @Test
  void aFailedTaskIsRetriedAsANewTask() {
    // given
    Decision started = startMailing();
    Decision failed =
        decide(
            mailing,
            started,
            new Input.FailTask("send", 1, StepError.retryable("smtp", "421 try later")),
            T0);
    Timer retry = timer(failed, Timer.Kind.RETRY, "send");

    // when
    Decision again = decide(mailing, failed, new TimerFired(retry.id()), retry.dueAt());

    // then
    assertThat(effects(failed, Effect.WithdrawTask.class))
        .containsExactly(new Effect.WithdrawTask(INSTANCE + ":send:1"));
    assertThat(step(again, "send").waitingFor()).isEqualTo("task");
    assertThat(effects(again, Effect.OfferTask.class).get(0).taskId())
        .isEqualTo(INSTANCE + ":send:2");
    Decision stale = decide(mailing, again, new Input.CompleteStep("send", 1, json("{}")), T0);
    assertThat(stale.rejection()).isEqualTo("step 'send' waits in attempt 2, not in attempt 1");
  }

  @Test
  void cancellingOrTimingOutWithdrawsTheTask() {
    // given
    Decision started = startMailing();
    Timer t = timer(started, Timer.Kind.WAIT_TIMEOUT, "send");

    // when
    Decision cancelled = decide(mailing, started, new Cancel("no longer needed"), T0);
    Decision timedOut = decide(mailing, started, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(effects(cancelled, Effect.WithdrawTask.class)).hasSize(1);
    assertThat(effects(timedOut, Effect.WithdrawTask.class)).hasSize(1);
    assertThat(step(timedOut, "send").error().code()).isEqualTo("timeout");
  }

  @Test
  void recoveryOffersTheTaskOfAWaitingStepAgain() {
    // given
    Decision started = startMailing();

    // when
    List<Effect> resumed = decider.resume(mailing, started.state(), T0.plusSeconds(5));

    // then
    assertThat(resumed).hasSize(1);
    assertThat(((Effect.OfferTask) resumed.get(0)).taskId()).isEqualTo(INSTANCE + ":send:1");
  }

  // ---- §4 forEach
  // ---------------------------------------------------------------------------------

  private static WorkflowDefinition forEach(String with) {
    return DefinitionBuilder.workflow("each")
        .step("each", "forEach")
        .with(with)
        .step("after", "transform")
        .needs("each")
        .with("{\"n\": \"${size(steps.each.output)}\"}")
        .build();
  }

  @Test
  void aForEachOfTransformsCompletesInTheDecisionWithOneOutputPerItem() {
    WorkflowDefinition def =
        forEach(
            "{\"items\": \"${input.xs}\", \"step\": {\"type\": \"transform\","
                + " \"with\": {\"i\": \"${index}\", \"twice\": \"${item * 2}\"}}}");

    // when
    Decision d = start(def, "{\"xs\": [1, 5]}");

    // then
    assertThat(step(d, "each").output())
        .isEqualTo(List.of(Map.of("i", 0L, "twice", 2L), Map.of("i", 1L, "twice", 10L)));
    assertThat(step(d, "after").output()).isEqualTo(Map.of("n", 2L));
    assertThat(d.effects()).isEmpty();
  }

  @Test
  void aForEachOfAnExecutedTypeRunsAsOneAttemptWithEveryItemsParameters() {
    WorkflowDefinition def =
        forEach(
            "{\"items\": [\"a\", \"b\", \"c\"], \"concurrency\": 2, \"step\": {\"type\":"
                + " \"http\", \"with\": {\"url\": \"http://x/${item}\"}}}");

    // when
    Decision d = start(def);

    // then
    ExecuteStep x = executions(d).get(0);
    assertThat(x.type()).isEqualTo("forEach");
    Map<?, ?> with = (Map<?, ?>) x.with();
    assertThat(with.get("type")).isEqualTo("http");
    assertThat(with.get("concurrency")).isEqualTo(2L);
    List<Object> urls = new ArrayList<>();
    ((List<?>) with.get("items")).forEach(i -> urls.add(((Map<?, ?>) i).get("url")));
    assertThat(urls).containsExactly("http://x/a", "http://x/b", "http://x/c");
    assertThat(decider.resume(def, d.state(), T0)).containsExactly(x);
  }

  @Test
  void aForEachOverNoItemsCompletesWithAnEmptyList() {
    WorkflowDefinition def =
        forEach(
            "{\"items\": \"${input.xs}\", \"step\": {\"type\": \"http\", \"with\":"
                + " {\"url\": \"http://x/${item}\"}}}");

    // when
    Decision d = start(def, "{\"xs\": []}");

    // then
    assertThat(step(d, "each").output()).isEqualTo(List.of());
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  @Test
  void itemsThatAreNotAListFailTheStep() {
    WorkflowDefinition def =
        forEach(
            "{\"items\": \"${input.xs}\", \"step\": {\"type\": \"transform\", \"with\":" + " {}}}");

    // when
    Decision d = start(def, "{\"xs\": {\"a\": 1}}");

    // then
    assertThat(step(d, "each").error().code()).isEqualTo("forEach");
    assertThat(step(d, "each").error().message())
        .isEqualTo("expected 'items' to be a list, but got object");
  }

  private final WorkflowDefinition delayed =
      DefinitionBuilder.workflow("wait")
          .step("a", "delay")
          .with("{\"duration\": \"PT5M\"}")
          .step("b", "transform")
          .needs("a")
          .with("{\"after\": \"${steps.a.status}\"}")
          .build();

  @Test
  void aDelayWaitsOnATimerDueAfterItsDuration() {
    // when
    Decision d = start(delayed);

    // then
    StepState a = step(d, "a");
    assertThat(a.status()).isEqualTo(StepStatus.WAITING);
    assertThat(a.waitingFor()).isEqualTo("delay");
    Timer t = timer(d, Timer.Kind.DELAY, "a");
    assertThat(t.dueAt()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(types(d)).containsExactly(WORKFLOW_STARTED, STEP_STARTED, STEP_WAITING);
    assertThat(data(event(d, STEP_WAITING, "a")).get("until")).isEqualTo(t.dueAt().toString());
    assertThat(d.effects()).isEmpty();
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.PENDING);
  }

  @Test
  void theDelayTimerCompletesTheStepAndItsDependentsRun() {
    // given
    Decision started = start(delayed);
    Timer t = timer(started, Timer.Kind.DELAY, "a");

    // when
    Decision d = decide(delayed, started, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "b").output()).isEqualTo(Map.of("after", "COMPLETED"));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.state().timers()).isEmpty();
  }

  @Test
  void anUntilInThePastCompletesAtOnce() {
    // given
    WorkflowDefinition past =
        DefinitionBuilder.workflow("past")
            .step("a", "delay")
            .with("{\"until\": \"2020-01-01T00:00:00Z\"}")
            .build();

    // when
    Decision d = start(past);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(d.state().timers()).isEmpty();
    assertThat(types(d)).doesNotContain(STEP_WAITING);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  @Test
  void anUntilExpressionInTheFutureWaitsUntilThen() {
    // given
    WorkflowDefinition future =
        DefinitionBuilder.workflow("future")
            .step("a", "delay")
            .with("{\"until\": \"${input.at}\"}")
            .build();

    // when
    Decision d = start(future, "{\"at\": \"2025-03-02T10:00:00Z\"}");

    // then
    assertThat(timer(d, Timer.Kind.DELAY, "a").dueAt())
        .isEqualTo(Instant.parse("2025-03-02T10:00:00Z"));
  }

  @Test
  void aDelayWithABadDurationFails() {
    // given
    WorkflowDefinition bad =
        DefinitionBuilder.workflow("bad")
            .step("a", "delay")
            .with("{\"duration\": \"soon\"}")
            .build();

    // when
    Decision d = start(bad);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.FAILED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  // ---- §4 emit ----------------------------------------------------------------------------------

  @Test
  void anEmitStepPublishesATemplatedCloudEventAndCompletesInline() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("orders")
            .step("e", "emit")
            .with(
                "{\"type\": \"order.shipped\", \"data\": {\"orderId\": \"${input.orderId}\","
                    + " \"total\": \"${input.total * 2}\"}}")
            .build();

    // when
    Decision d = start(def, "{\"orderId\": \"o-7\", \"total\": 21}");

    // then
    assertThat(d.emitted())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.type()).isEqualTo("order.shipped");
              assertThat(e.data()).isEqualTo(Map.of("orderId", "o-7", "total", 42L));
              assertThat(e.subject()).isEqualTo(INSTANCE);
              assertThat(e.id()).isEqualTo(INSTANCE + "/e");
              assertThat(e.source()).isEqualTo("sluice/workflows/orders");
              assertThat(e.time()).isEqualTo(T0);
            });
    assertThat(step(d, "e").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(d.effects()).isEmpty();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
  }

  @Test
  void anEmitStepMayNameItsSourceAndSubject() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("orders")
            .step("e", "emit")
            .with("{\"type\": \"t\", \"source\": \"billing\", \"subject\": \"${input.orderId}\"}")
            .build();

    // when
    Decision d = start(def, "{\"orderId\": \"o-7\"}");

    // then
    assertThat(d.emitted().get(0).source()).isEqualTo("billing");
    assertThat(d.emitted().get(0).subject()).isEqualTo("o-7");
  }

  // ---- cancel -----------------------------------------------------------------------------------

  private final WorkflowDefinition cancellable =
      DefinitionBuilder.workflow("cancel")
          .timeout(Duration.ofHours(1))
          .step("a", "http")
          .timeout(Duration.ofSeconds(10))
          .step("b", "transform")
          .needs("a")
          .build();

  @Test
  void cancellingARunningInstanceCancelsItAndItsSteps() {
    // given
    Decision started = start(cancellable);

    // when
    Decision d = decide(cancellable, started, new Cancel("operator"), T0.plusSeconds(1));

    // then
    assertThat(d.rejection()).isNull();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.CANCELLED);
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(types(d)).containsExactly(STEP_CANCELLED, WORKFLOW_CANCELLED);
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.state().endedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(d.state().error().message()).isEqualTo("operator");
  }

  @Test
  void cancellingAFinishedInstanceIsRejectedAndChangesNothing() {
    // given
    Decision cancelled =
        decide(cancellable, start(cancellable), new Cancel("first"), T0.plusSeconds(1));

    // when
    Decision d = decide(cancellable, cancelled, new Cancel("second"), T0.plusSeconds(2));

    // then
    assertThat(d.rejection()).isNotBlank();
    assertThat(d.changed()).isFalse();
    assertThat(d.effects()).isEmpty();
    assertThat(d.state()).isEqualTo(cancelled.state());
  }

  // ---- onConflict: terminateExisting -----------------------------------------------------------

  @Test
  void aSupersededLiveInstanceIsCancelledAndGivesUpItsKey() {
    // given
    Decision started = start(cancellable);

    // when
    Decision d = decide(cancellable, started, new Input.Supersede("inst-2"), T0.plusSeconds(1));

    // then
    assertThat(d.rejection()).isNull();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.CANCELLED);
    assertThat(d.state().supersededBy()).isEqualTo("inst-2");
    assertThat(d.state().key())
        .as("the key itself is kept for display")
        .isEqualTo(started.state().key());
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(types(d))
        .containsExactly(STEP_CANCELLED, WORKFLOW_CANCELLED, LifecycleTypes.WORKFLOW_SUPERSEDED);
    assertThat(d.state().error().message()).contains("superseded by instance inst-2");
    assertThat(data(event(d, LifecycleTypes.WORKFLOW_SUPERSEDED, null)))
        .containsEntry("supersededBy", "inst-2")
        .containsEntry("key", started.state().key());
  }

  @Test
  void aSupersededFinishedInstanceKeepsItsOutcomeAndGivesUpItsKeyOnce() {
    // given
    Decision cancelled =
        decide(cancellable, start(cancellable), new Cancel("operator"), T0.plusSeconds(1));

    // when
    Decision d = decide(cancellable, cancelled, new Input.Supersede("inst-2"), T0.plusSeconds(2));
    Decision again = decide(cancellable, d, new Input.Supersede("inst-3"), T0.plusSeconds(3));

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.CANCELLED);
    assertThat(d.state().error().message()).isEqualTo("operator");
    assertThat(d.state().supersededBy()).isEqualTo("inst-2");
    assertThat(types(d)).containsExactly(LifecycleTypes.WORKFLOW_SUPERSEDED);
    assertThat(d.effects()).isEmpty();
    assertThat(again.rejection()).contains("already superseded by inst-2");
    assertThat(again.changed()).isFalse();
  }

  // ---- retry of an instance ---------------------------------------------------------------------

  private final WorkflowDefinition resumable =
      DefinitionBuilder.workflow("resume")
          .step("a", "transform")
          .with("{\"v\": \"${input.v}\"}")
          .step("b", "http")
          .needs("a")
          .step("c", "transform")
          .needs("b")
          .with("{\"got\": \"${steps.b.output.ok}\"}")
          .build();

  @Test
  void retryingAFailedInstanceResumesFromItsFailedSteps() {
    // given
    Decision started = start(resumable, "{\"v\": 5}");
    Decision failedInstance =
        decide(resumable, started, failed("b", 1, notFound()), T0.plusSeconds(1));
    assertThat(step(failedInstance, "c").status()).isEqualTo(StepStatus.CANCELLED);
    Instant t2 = T0.plusSeconds(60);

    // when
    Decision d = decide(resumable, failedInstance, new Retry(), t2);

    // then
    assertThat(d.rejection()).isNull();
    assertThat(d.state().status()).isEqualTo(InstanceStatus.RUNNING);
    assertThat(d.state().error()).isNull();
    assertThat(d.state().endedAt()).isNull();
    assertThat(step(d, "a")).isEqualTo(step(failedInstance, "a"));
    assertThat(step(d, "a").output()).isEqualTo(Map.of("v", 5L));
    assertThat(step(d, "b").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(step(d, "c").status()).isEqualTo(StepStatus.PENDING);
    assertThat(executions(d)).extracting(ExecuteStep::stepId).containsExactly("b");
    assertThat(types(d)).containsExactly(WORKFLOW_RETRIED, STEP_STARTED);

    // when
    assertThat(step(d, "b").attempt()).as("attempts count on across a retry").isEqualTo(2);
    Decision done = decide(resumable, d, succeeded("b", 2, "{\"ok\": true}"), t2.plusSeconds(1));

    // then
    assertThat(done.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(step(done, "c").output()).isEqualTo(Map.of("got", true));
  }

  @Test
  void retryingATimedOutInstanceResumesItsCancelledSteps() {
    // given
    WorkflowDefinition bounded =
        DefinitionBuilder.workflow("bounded")
            .timeout(Duration.ofMinutes(1))
            .step("a", "http")
            .build();
    Decision started = start(bounded);
    Timer t = timer(started, Timer.Kind.WORKFLOW_TIMEOUT, null);
    Decision timedOut = decide(bounded, started, new TimerFired(t.id()), t.dueAt());
    Instant t2 = t.dueAt().plusSeconds(60);

    // when
    Decision d = decide(bounded, timedOut, new Retry(), t2);

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.RUNNING);
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.RUNNING);
    assertThat(timer(d, Timer.Kind.WORKFLOW_TIMEOUT, null).dueAt())
        .isEqualTo(t2.plus(Duration.ofMinutes(1)));
  }

  @Test
  void retryingACompletedOrRunningInstanceIsRejected() {
    // given
    Decision running = start(resumable, "{\"v\": 5}");
    Decision completed =
        decide(resumable, running, succeeded("b", 1, "{\"ok\": true}"), T0.plusSeconds(1));

    // when
    Decision onCompleted = decide(resumable, completed, new Retry(), T0.plusSeconds(2));
    Decision onRunning = decide(resumable, running, new Retry(), T0.plusSeconds(2));

    // then
    assertThat(onCompleted.rejection()).isNotBlank();
    assertThat(onCompleted.changed()).isFalse();
    assertThat(onCompleted.state()).isEqualTo(completed.state());
    assertThat(onRunning.rejection()).isNotBlank();
    assertThat(onRunning.state()).isEqualTo(running.state());
  }

  // ---- §3 output --------------------------------------------------------------------------------

  @Test
  void theOutputIsEvaluatedFromStepOutputsAtCompletion() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("out")
            .step("fetch", "http")
            .output("{\"score\": \"${steps.fetch.output.body.score * 2}\", \"fixed\": 1}")
            .build();
    Decision started = start(def);
    assertThat(started.state().output()).isNull();

    // when
    Decision d =
        decide(
            def, started, succeeded("fetch", 1, "{\"body\": {\"score\": 21}}"), T0.plusSeconds(1));

    // then
    assertThat(d.state().output()).isEqualTo(Map.of("score", 42L, "fixed", 1L));
    assertThat(data(event(d, WORKFLOW_COMPLETED, null)).get("output"))
        .isEqualTo(d.state().output());
  }

  @Test
  void anOutputThatFailsToEvaluateFailsTheInstanceWithCodeOutput() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("bad-out")
            .step("a", "transform")
            .with("{\"v\": 1}")
            .output("{\"x\": \"${steps.a.output.nope}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.state().error().code()).isEqualTo("output");
    assertThat(d.state().output()).isNull();
    assertThat(types(d)).endsWith(WORKFLOW_FAILED).doesNotContain(WORKFLOW_COMPLETED);
  }

  @Test
  void anOutputFailureRunsTheOnFailureSteps() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("bad-out-of")
            .step("a", "transform")
            .onFailure("alert", "transform")
            .with("{\"code\": \"${error.code}\"}")
            .output("{\"x\": \"${steps.a.output.nope}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "alert").output()).isEqualTo(Map.of("code", "output"));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void theIfOfAnOnFailureStepSeesTheError() {
    // given: the output fails after every step completed; only the matching handler runs
    WorkflowDefinition def =
        DefinitionBuilder.workflow("bad-out-if")
            .step("a", "transform")
            .onFailure("onOutput", "transform")
            .when("error.code == 'output'")
            .onFailure("onOther", "transform")
            .when("error.code != 'output'")
            .output("{\"x\": \"${steps.a.output.nope}\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(step(d, "onOutput").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "onOther").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void whileOnFailureRunsNoTimerIsLeftThatWouldFireForNothing() {
    // given: a workflow timeout, and an onFailure step that keeps the instance running
    WorkflowDefinition def =
        DefinitionBuilder.workflow("of-timer")
            .timeout(Duration.ofHours(1))
            .step("a", "http")
            .onFailure("notify", "http")
            .build();

    // when
    Decision ending = decide(def, start(def), failed("a", 1, notFound()), T0.plusSeconds(1));

    // then: a fire of such a timer would decide nothing, so it would never be removed
    assertThat(ending.state().endingAs()).isEqualTo(InstanceStatus.FAILED);
    for (Timer t : ending.state().timers()) {
      assertThat(decide(def, ending, new TimerFired(t.id()), t.dueAt()).changed())
          .as("timer %s", t.id())
          .isTrue();
    }
    Decision done = decide(def, ending, succeeded("notify", 1, "{}"), T0.plusSeconds(2));
    assertThat(done.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  // ---- §5 lifecycle events ----------------------------------------------------------------------

  private final WorkflowDefinition life =
      DefinitionBuilder.workflow("life")
          .step("a", "http")
          .retry(2, 1000, 2.0, 60_000, 0)
          .step("b", "transform")
          .needs("a")
          .step("c", "emit")
          .needs("b")
          .with("{\"type\": \"done\"}")
          .build();

  /** Runs the instance to completion, replaying stale inputs on the way. */
  private List<Decision> fullRun() {
    List<Decision> decisions = new ArrayList<>();
    Decision d = start(life);
    decisions.add(d);
    d = decide(life, d, failed("a", 1, serverError()), T0.plusSeconds(1));
    decisions.add(d);
    Timer retry = timer(d, Timer.Kind.RETRY, "a");
    d = decide(life, d, new TimerFired(retry.id()), retry.dueAt());
    decisions.add(d);
    decisions.add(decide(life, d, new TimerFired(retry.id()), retry.dueAt())); // duplicate fire
    decisions.add(decide(life, d, failed("a", 1, serverError()), T0.plusSeconds(3))); // stale
    Decision succeeded = decide(life, d, succeeded("a", 2, "{}"), T0.plusSeconds(4));
    decisions.add(succeeded);
    decisions.add(decide(life, succeeded, succeeded("a", 2, "{}"), T0.plusSeconds(5))); // again
    decisions.add(decide(life, succeeded, new Cancel(null), T0.plusSeconds(6))); // rejected
    return decisions;
  }

  private List<CloudEvent> history() {
    List<CloudEvent> all = new ArrayList<>();
    fullRun().forEach(d -> all.addAll(d.events()));
    return all;
  }

  @Test
  void eventIdsAreTheInstanceIdAndAStrictlyIncreasingSequenceAcrossDecisions() {
    // when
    List<CloudEvent> history = history();

    // then
    for (int i = 0; i < history.size(); i++) {
      assertThat(history.get(i).id()).isEqualTo(INSTANCE + "-" + (i + 1));
      assertThat(history.get(i).extensions()).containsEntry("sequence", (long) (i + 1));
    }
    List<Decision> run = fullRun();
    assertThat(run.get(run.size() - 3).state().seq()).isEqualTo(history.size());
  }

  @Test
  void everyEventHasTheNodeAsSourceAndTheInstanceAsSubject() {
    // when
    List<CloudEvent> history = history();

    // then
    assertThat(history)
        .allSatisfy(
            e -> {
              assertThat(e.source()).isEqualTo("sluice/" + NODE);
              assertThat(e.subject()).isEqualTo(INSTANCE);
              assertThat(LifecycleTypes.ALL).contains(e.type());
              assertThat(data(e))
                  .containsEntry("workflowId", "life")
                  .containsEntry("instanceId", INSTANCE)
                  .containsKey("version");
            });
  }

  @Test
  void everyEventOfAFullRunIsEmittedExactlyOnceDespiteReplays() {
    // when
    List<CloudEvent> history = history();

    // then
    Set<String> ids = new HashSet<>();
    history.forEach(e -> assertThat(ids.add(e.id())).as("unique id %s", e.id()).isTrue());
    assertThat(Decider.types(history))
        .containsExactly(
            WORKFLOW_STARTED,
            STEP_STARTED, // a#1
            STEP_RETRYING,
            STEP_STARTED, // a#2
            STEP_COMPLETED,
            STEP_STARTED, // b
            STEP_COMPLETED,
            STEP_STARTED, // c
            STEP_COMPLETED,
            WORKFLOW_COMPLETED);
    List<Decision> run = fullRun();
    assertThat(run.get(3).changed()).isFalse();
    assertThat(run.get(4).changed()).isFalse();
    assertThat(run.get(6).changed()).isFalse();
    assertThat(run.get(7).rejection()).isNotNull();
    assertThat(run.get(5).emitted()).hasSize(1);
  }

  @Test
  void eventsAreTimedWhenTheyWereDecided() {
    // given
    Decision started = start(life);

    // when
    Decision d = decide(life, started, failed("a", 1, serverError()), T0.plusSeconds(7));

    // then
    assertThat(started.events()).extracting(CloudEvent::time).containsOnly(T0);
    assertThat(d.events()).extracting(CloudEvent::time).containsOnly(T0.plusSeconds(7));
  }

  /**
   * Was a bug: {@link Timer} ids are {@code KIND:step:attempt} and attempts restart at 1 after
   * {@link Retry}, so the re-armed step timeout has the id of the one that already fired. A
   * repeated delivery of the old fire (the scheduler is at-least-once) is taken for the new timer
   * and fails the new attempt long before it is due; {@code timerFired} does not compare {@code
   * dueAt} with {@code now} either.
   */
  @Test
  void aRepeatedFireOfATimerFromBeforeARetryIsStale() {
    // given: attempt 1 of a timed out, the instance failed and was retried
    WorkflowDefinition def =
        DefinitionBuilder.workflow("slow")
            .step("a", "http")
            .timeout(Duration.ofSeconds(10))
            .build();
    Decision started = start(def);
    TimerFired fire = new TimerFired(timer(started, Timer.Kind.STEP_TIMEOUT, "a").id());
    Decision timedOut = decide(def, started, fire, T0.plusSeconds(10));
    Decision retried = decide(def, timedOut, new Retry(), T0.plusSeconds(60));
    assertThat(timer(retried, Timer.Kind.STEP_TIMEOUT, "a").dueAt()).isEqualTo(T0.plusSeconds(70));

    // when: the old fire is delivered again one second after the retry
    Decision d = decide(def, retried, fire, T0.plusSeconds(61));

    // then
    assertThat(d.changed()).isFalse();
    assertThat(step(d, "a").status()).isEqualTo(StepStatus.RUNNING);
  }

  /**
   * Was a bug: an emitted event's id is {@code instanceId/stepId}, so an {@code emit} step that
   * runs again after {@link Retry} (here the onFailure alert of the second failure) publishes an
   * event with the same (source, id) as the first: ingestion treats it as a duplicate (SPEC §1) and
   * the second alert is lost.
   */
  @Test
  void anEmitStepRunAgainAfterARetryPublishesANewEvent() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("alerting")
            .step("a", "http")
            .onFailure("alert", "emit")
            .with("{\"type\": \"order.stuck\"}")
            .build();
    Decision firstFailure = decide(def, start(def), failed("a", 1, notFound()), T0.plusSeconds(1));
    Decision retried = decide(def, firstFailure, new Retry(), T0.plusSeconds(60));

    // when
    Decision secondFailure = decide(def, retried, failed("a", 2, notFound()), T0.plusSeconds(61));

    // then
    CloudEvent first = firstFailure.emitted().get(0);
    CloudEvent second = secondFailure.emitted().get(0);
    assertThat(second.source() + " " + second.id()).isNotEqualTo(first.source() + " " + first.id());
  }

  /**
   * Was a bug: an emit step whose {@code type} is missing or evaluates to null publishes a
   * CloudEvent of type {@code "null"} (String.valueOf) instead of failing like waitForEvent does.
   */
  @Test
  void anEmitStepWhoseTypeIsMissingFails() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("typeless")
            .step("e", "emit")
            .with("{\"type\": \"${input.kind}\", \"data\": {}}")
            .build();

    // when
    Decision d = start(def, "{\"kind\": null}");

    // then
    assertThat(d.emitted()).isEmpty();
    assertThat(step(d, "e").status()).isEqualTo(StepStatus.FAILED);
  }

  @Test
  void anEmitStepMayNotClaimASluiceSource() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("forger")
            .step("e", "emit")
            .with("{\"type\": \"schedule.fired\", \"source\": \"${input.src}\", \"data\": {}}")
            .build();

    // when
    Decision d = start(def, "{\"src\": \"sluice/schedules/other/0\"}");

    // then
    assertThat(d.emitted()).isEmpty();
    assertThat(step(d, "e").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "e").error().message()).contains("reserved").contains("sluice/schedules");
  }

  // ---- §4 waitForEvent --------------------------------------------------------------------------

  private final WorkflowDefinition payment =
      DefinitionBuilder.workflow("pay")
          .step("wait", "waitForEvent")
          .with(
              "{\"type\": \"payment.received\", \"match\": \"event.data.orderId == input.orderId\","
                  + " \"timeout\": \"P1D\"}")
          .step("after", "transform")
          .needs("wait")
          .with("{\"paid\": \"${steps.wait.output.data.amount}\"}")
          .build();

  private static CloudEvent paymentEvent(String id, String orderId) {
    return new CloudEvent(
        id,
        "shop",
        "payment.received",
        T0.plusSeconds(5),
        null,
        "application/json",
        null,
        json("{\"orderId\": \"" + orderId + "\", \"amount\": 12}"),
        Map.of());
  }

  @Test
  void aWaitForEventStepWaitsSubscribedWithATimeoutTimer() {
    // when
    Decision d = start(payment, "{\"orderId\": \"o-1\"}");

    // then
    assertThat(step(d, "wait").status()).isEqualTo(StepStatus.WAITING);
    assertThat(step(d, "wait").waitingFor()).isEqualTo("event");
    assertThat(timer(d, Timer.Kind.WAIT_TIMEOUT, "wait").dueAt())
        .isEqualTo(T0.plus(Duration.ofDays(1)));
    assertThat(d.effects())
        .containsExactly(new Effect.Subscribe(INSTANCE, "wait", "payment.received", T0));
    assertThat(types(d)).containsExactly(WORKFLOW_STARTED, STEP_STARTED, STEP_WAITING);
  }

  @Test
  void aMatchingEventCompletesTheWaitWithTheEventAsOutput() {
    // given
    Decision waiting = start(payment, "{\"orderId\": \"o-1\"}");
    CloudEvent paid = paymentEvent("e-1", "o-1");

    // when
    Decision d = decide(payment, waiting, new Input.EventArrived(paid), T0.plusSeconds(6));

    // then
    assertThat(step(d, "wait").status()).isEqualTo(StepStatus.COMPLETED);
    assertThat(step(d, "wait").output()).isEqualTo(paid.toMap());
    assertThat(step(d, "after").output()).isEqualTo(Map.of("paid", 12L));
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe(INSTANCE, "wait", "payment.received"));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.state().timers()).isEmpty();
  }

  @Test
  void anEventOfAnotherTypeOrNotMatchingIsIgnored() {
    // given
    Decision waiting = start(payment, "{\"orderId\": \"o-1\"}");
    CloudEvent otherOrder = paymentEvent("e-2", "o-2");
    CloudEvent otherType =
        new CloudEvent(
            "e-3",
            "shop",
            "payment.refused",
            T0,
            null,
            null,
            null,
            json("{\"orderId\": \"o-1\"}"),
            Map.of());

    // when
    Decision d1 = decide(payment, waiting, new Input.EventArrived(otherOrder), T0.plusSeconds(6));
    Decision d2 = decide(payment, waiting, new Input.EventArrived(otherType), T0.plusSeconds(6));

    // then
    assertThat(d1.changed()).isFalse();
    assertThat(d1.state()).isEqualTo(waiting.state());
    assertThat(d2.changed()).isFalse();
    assertThat(d2.state()).isEqualTo(waiting.state());
  }

  @Test
  void theSameEventDeliveredTwiceIsDecidedOnce() {
    // given
    Decision waiting = start(payment, "{\"orderId\": \"o-1\"}");
    Input arrived = new Input.EventArrived(paymentEvent("e-1", "o-1"));
    Decision first = decide(payment, waiting, arrived, T0.plusSeconds(6));

    // when
    Decision again = decide(payment, first, arrived, T0.plusSeconds(7));

    // then
    assertThat(again.changed()).isFalse();
    assertThat(again.state()).isEqualTo(first.state());
  }

  @Test
  void noMatchingEventBeforeTheTimeoutFailsTheStepWithCodeTimeout() {
    // given
    Decision waiting = start(payment, "{\"orderId\": \"o-1\"}");
    Timer t = timer(waiting, Timer.Kind.WAIT_TIMEOUT, "wait");

    // when
    Decision d = decide(payment, waiting, new TimerFired(t.id()), t.dueAt());

    // then
    assertThat(step(d, "wait").status()).isEqualTo(StepStatus.FAILED);
    assertThat(step(d, "wait").error().code()).isEqualTo("timeout");
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe(INSTANCE, "wait", "payment.received"));
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
  }

  @Test
  void cancellingAWaitDropsItsSubscription() {
    // given
    Decision waiting = start(payment, "{\"orderId\": \"o-1\"}");

    // when
    Decision d = decide(payment, waiting, new Cancel(null), T0.plusSeconds(6));

    // then
    assertThat(step(d, "wait").status()).isEqualTo(StepStatus.CANCELLED);
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe(INSTANCE, "wait", "payment.received"));
  }

  // ---- resume after a restart -------------------------------------------------------------------

  @Test
  void resumeReissuesTheRunningAttemptsWithTheirIdempotencyKeys() {
    // given: a running, b waiting for its retry, c completed
    WorkflowDefinition def =
        DefinitionBuilder.workflow("resume")
            .step("a", "http")
            .with("{\"url\": \"${input.url}\"}")
            .timeout(Duration.ofSeconds(5))
            .step("b", "http")
            .retry(2, 1000, 2.0, 60_000, 0)
            .step("c", "http")
            .build();
    Decision started = start(def, "{\"url\": \"http://a\"}");
    Decision d = decide(def, started, failed("b", 1, serverError()), T0.plusSeconds(1));
    d = decide(def, d, succeeded("c", 1, "{}"), T0.plusSeconds(1));

    // when
    List<Effect> effects = decider.resume(def, d.state(), T0.plusSeconds(2));

    // then
    assertThat(effects)
        .containsExactly(
            new ExecuteStep(
                INSTANCE,
                "resume",
                1,
                "a",
                "http",
                1,
                json("{\"url\": \"http://a\"}"),
                Duration.ofSeconds(5),
                INSTANCE + "/a"));
    assertThat(decider.resume(def, d.state(), T0.plusSeconds(2))).isEqualTo(effects);
  }

  @Test
  void resumeOfAFinishedInstanceDoesNothing() {
    // given
    WorkflowDefinition def = DefinitionBuilder.workflow("r").step("a", "http").build();
    Decision cancelled = decide(def, start(def), new Cancel(null), T0.plusSeconds(1));

    // when / then
    assertThat(decider.resume(def, cancelled.state(), T0.plusSeconds(2))).isEmpty();
  }

  @Test
  void resumeFailsAnAttemptWhoseParametersNoLongerEvaluate() {
    // given: the state was decided with parameters that the definition given now cannot compute
    WorkflowDefinition before = DefinitionBuilder.workflow("r").step("a", "http").build();
    WorkflowDefinition now =
        DefinitionBuilder.workflow("r")
            .step("a", "http")
            .with("{\"u\": \"${input.missing.x}\"}")
            .build();
    Decision running = start(before);

    // when
    List<Effect> effects = decider.resume(now, running.state(), T0.plusSeconds(2));

    // then
    assertThat(effects)
        .singleElement()
        .isInstanceOfSatisfying(
            Effect.FailAttempt.class,
            f -> {
              assertThat(f.stepId()).isEqualTo("a");
              assertThat(f.attempt()).isEqualTo(1);
              assertThat(f.error().code()).isEqualTo("expression");
            });
  }

  @Test
  void theRetryJitterDiffersBetweenInstances() {
    // given: ±50 % jitter, many instances failing at the same moment
    WorkflowDefinition def =
        DefinitionBuilder.workflow("herd")
            .step("a", "http")
            .retry(2, 10_000, 2.0, 60_000, 0.5)
            .build();
    Set<Instant> dues = new HashSet<>();

    // when
    for (int i = 0; i < 20; i++) {
      Decision started = decider.start(def, new Start("inst-" + i, null, json("{}"), null), T0);
      Decision waiting = decider.decide(def, started.state(), failed("a", 1, serverError()), T0);
      dues.add(timer(waiting, Timer.Kind.RETRY, "a").dueAt());
    }

    // then: spread over the jitter window, not one thundering herd
    assertThat(dues).hasSizeGreaterThan(15);
    assertThat(dues)
        .allSatisfy(due -> assertThat(due).isBetween(T0.plusSeconds(5), T0.plusSeconds(15)));
  }

  // ---- determinism ------------------------------------------------------------------------------

  private final WorkflowDefinition pure =
      DefinitionBuilder.workflow("pure")
          .timeout(Duration.ofHours(1))
          .step("a", "http")
          .retry(3, 1000, 2.0, 60_000, 0.5)
          .timeout(Duration.ofSeconds(5))
          .step("b", "transform")
          .needs("a")
          .with("{\"x\": \"${steps.a.output}\"}")
          .step("c", "emit")
          .needs("b")
          .with("{\"type\": \"t\", \"data\": \"${steps.b.output}\"}")
          .output("{\"b\": \"${steps.b.output}\"}")
          .build();

  @Test
  void theSameStartGivesTheSameDecision() {
    assertThat(start(pure, "{\"n\": 1}")).isEqualTo(start(pure, "{\"n\": 1}"));
  }

  @Test
  void theSameInputOnTheSameStateGivesTheSameDecision() {
    // given
    Decision started = start(pure, "{\"n\": 1}");
    Decision waiting = decide(pure, started, failed("a", 1, serverError()), T0.plusSeconds(1));
    Timer retry = timer(waiting, Timer.Kind.RETRY, "a");
    Decision running = decide(pure, waiting, new TimerFired(retry.id()), retry.dueAt());

    // when / then: with jitter, the backoff is still a function of the arguments
    assertThat(decide(pure, started, failed("a", 1, serverError()), T0.plusSeconds(1)))
        .isEqualTo(waiting);
    assertThat(decide(pure, waiting, new TimerFired(retry.id()), retry.dueAt())).isEqualTo(running);
    Input success = succeeded("a", 2, "{\"v\": [1, 2]}");
    assertThat(decide(pure, running, success, T0.plusSeconds(9)))
        .isEqualTo(decide(pure, running, success, T0.plusSeconds(9)));
  }

  @Test
  void decidingDoesNotModifyTheGivenState() {
    // given
    Decision started = start(pure, "{\"n\": 1}");
    InstanceState before = started.state();
    InstanceState copy = started.state().withRev(started.state().rev());

    // when
    decide(pure, started, failed("a", 1, serverError()), T0.plusSeconds(1));

    // then
    assertThat(before).isEqualTo(copy);
    assertThat(step(started, "a").status()).isEqualTo(StepStatus.RUNNING);
  }

  @Test
  void onFailureStepsOfACompletedInstanceEndSkipped() {
    // given
    WorkflowDefinition def =
        DefinitionBuilder.workflow("fine")
            .step("a", "transform")
            .onFailure("alert", "emit")
            .with("{\"type\": \"order.stuck\"}")
            .build();

    // when
    Decision d = start(def);

    // then
    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(step(d, "alert").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(d.emitted()).isEmpty();
  }
}
