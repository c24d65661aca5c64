package io.sluice.orchestrator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.json.Json;
import io.sluice.definition.DefinitionParser;
import io.sluice.definition.WorkflowDefinition;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code waitForEvent}: subscribe, resume on a matching event, time out, race (SPEC §4). */
class WaitForEventDecisionTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final Decider decider = new Decider("n1");
  private final WorkflowDefinition def =
      new DefinitionParser(CelExpressions.workflow(), DefinitionParser.BUILT_IN_TYPES::contains)
          .parse(
              """
              {"id":"pay","steps":[
                {"id":"order","type":"transform","with":{"orderId":"${input.orderId}"}},
                {"id":"payment","type":"waitForEvent","needs":["order"],
                 "with":{"type":"payment.received","match":"event.data.orderId == input.orderId",
                         "timeout":"PT1H"}},
                {"id":"ship","type":"transform","needs":["payment"],
                 "with":{"amount":"${steps.payment.output.data.amount}"}}],
               "output":{"amount":"${steps.ship.output.amount}"}}
              """,
              false)
          .withVersion(1);

  private InstanceState started() {
    return decider
        .start(def, new Input.Start("i1", "k", Json.parse("{\"orderId\":\"o-7\"}"), null), T0)
        .state();
  }

  private static CloudEvent payment(String orderId, long amount) {
    return CloudEvent.of(
        "evt-" + orderId,
        "psp",
        "payment.received",
        T0,
        Map.of("orderId", orderId, "amount", amount));
  }

  @Test
  void aWaitingStepSubscribesAndArmsItsTimeout() {
    Decision d =
        decider.start(
            def, new Input.Start("i1", "k", Json.parse("{\"orderId\":\"o-7\"}"), null), T0);

    assertThat(d.state().steps().get("payment").status()).isEqualTo(StepStatus.WAITING);
    assertThat(d.effects())
        .containsExactly(new Effect.Subscribe("i1", "payment", "payment.received", T0));
    assertThat(d.state().timers())
        .extracting(Timer::kind, Timer::dueAt)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                Timer.Kind.WAIT_TIMEOUT, T0.plus(Duration.ofHours(1))));
    assertThat(Decider.types(d.events())).contains(LifecycleTypes.STEP_WAITING);
  }

  @Test
  void aMatchingEventResumesTheStepWithTheEventAsOutput() {
    Decision d =
        decider.decide(
            def, started(), new Input.EventArrived(payment("o-7", 42)), T0.plusSeconds(5));

    assertThat(d.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(d.state().output()).isEqualTo(Map.of("amount", 42L));
    assertThat(d.state().timers()).isEmpty();
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe("i1", "payment", "payment.received"));
  }

  @Test
  void anEventForAnotherOrderOrOfAnotherTypeChangesNothing() {
    InstanceState state = started();

    assertThat(decider.decide(def, state, new Input.EventArrived(payment("o-8", 1)), T0).changed())
        .isFalse();
    CloudEvent other = CloudEvent.of("x", "psp", "payment.refunded", T0, Map.of("orderId", "o-7"));
    assertThat(decider.decide(def, state, new Input.EventArrived(other), T0).changed()).isFalse();
  }

  @Test
  void noEventBeforeTheTimeoutFailsTheStepWithCodeTimeout() {
    InstanceState state = started();
    Timer timeout = state.timers().get(0);

    Decision d = decider.decide(def, state, new Input.TimerFired(timeout.id()), timeout.dueAt());

    assertThat(d.state().steps().get("payment").status()).isEqualTo(StepStatus.FAILED);
    assertThat(d.state().steps().get("payment").error().code()).isEqualTo("timeout");
    assertThat(d.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe("i1", "payment", "payment.received"));
  }

  @Test
  void whenTheEventAndTheTimeoutRaceExactlyOneWins() {
    InstanceState state = started();
    Timer timeout = state.timers().get(0);

    Decision eventFirst =
        decider.decide(def, state, new Input.EventArrived(payment("o-7", 5)), timeout.dueAt());
    Decision thenTimeout =
        decider.decide(
            def, eventFirst.state(), new Input.TimerFired(timeout.id()), timeout.dueAt());
    Decision timeoutFirst =
        decider.decide(def, state, new Input.TimerFired(timeout.id()), timeout.dueAt());
    Decision thenEvent =
        decider.decide(
            def, timeoutFirst.state(), new Input.EventArrived(payment("o-7", 5)), timeout.dueAt());

    assertThat(eventFirst.state().status()).isEqualTo(InstanceStatus.COMPLETED);
    assertThat(thenTimeout.changed()).isFalse();
    assertThat(timeoutFirst.state().status()).isEqualTo(InstanceStatus.FAILED);
    assertThat(thenEvent.changed()).isFalse();
  }

  @Test
  void theSameEventDeliveredTwiceResumesOnce() {
    Decision first = decider.decide(def, started(), new Input.EventArrived(payment("o-7", 5)), T0);
    Decision second =
        decider.decide(def, first.state(), new Input.EventArrived(payment("o-7", 5)), T0);

    assertThat(first.changed()).isTrue();
    assertThat(second.changed()).isFalse();
  }

  @Test
  void recoveryRegistersAWaitingStepAgain() {
    assertThat(decider.resume(def, started(), T0.plusSeconds(1)))
        .containsExactly(new Effect.Subscribe("i1", "payment", "payment.received", T0));
  }

  @Test
  void cancellingAWaitingInstanceDropsItsSubscription() {
    Decision d = decider.decide(def, started(), new Input.Cancel("no longer needed"), T0);

    assertThat(d.state().status()).isEqualTo(InstanceStatus.CANCELLED);
    assertThat(d.effects())
        .containsExactly(new Effect.Unsubscribe("i1", "payment", "payment.received"));
  }
}
