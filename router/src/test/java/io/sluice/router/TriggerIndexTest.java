package io.sluice.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.DefinitionParser;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.router.TriggerIndex.Explanation;
import io.sluice.router.TriggerIndex.Match;
import io.sluice.router.TriggerIndex.Routing;
import io.sluice.router.TriggerIndex.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class TriggerIndexTest {
  private static final DefinitionParser PARSER =
      new DefinitionParser(CelExpressions.workflow(), type -> true);

  /** A definition with these triggers (JSON array text) and one transform step. */
  private static WorkflowDefinition workflow(String id, int version, String triggers) {
    String json =
        "{\"id\": \""
            + id
            + "\", \"triggers\": "
            + triggers
            + ", \"steps\": [{\"id\": \"s\", \"type\": \"transform\"}]}";
    return PARSER.parse(json, false).withVersion(version);
  }

  private static CloudEvent event(String type, String data) {
    return CloudEvent.of(
        "e-1", "/shop", type, Instant.parse("2026-01-01T00:00:00Z"), Json.parse(data));
  }

  private static List<String> matched(TriggerIndex index, CloudEvent event) {
    return index.match(event).stream()
        .map(m -> m.workflowId() + "@" + m.version() + "#" + m.triggerIndex())
        .toList();
  }

  @Test
  void anEventEvaluatesOnlyTheTriggersOfItsType() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("orders", 1, "[{\"event\": {\"type\": \"order.created\"}}]"));
    index.put(workflow("payments", 1, "[{\"event\": {\"type\": \"payment.received\"}}]"));

    // when / then
    assertThat(matched(index, event("order.created", "{}"))).containsExactly("orders@1#0");
    assertThat(matched(index, event("payment.received", "{}"))).containsExactly("payments@1#0");
    assertThat(matched(index, event("order.shipped", "{}"))).isEmpty();
  }

  @Test
  void thePatternDecidesAmongTriggersOfTheSameType() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow(
            "big-orders",
            1,
            "[{\"event\": {\"type\": \"order.created\","
                + " \"match\": {\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}}}}]"));
    index.put(
        workflow(
            "eu-orders",
            3,
            "[{\"event\": {\"type\": \"order.created\","
                + " \"match\": {\"data\": {\"region\": [\"eu\"]}}}}]"));

    // when / then
    assertThat(matched(index, event("order.created", "{\"total\": 250, \"region\": \"eu\"}")))
        .containsExactly("big-orders@1#0", "eu-orders@3#0");
    assertThat(matched(index, event("order.created", "{\"total\": 50, \"region\": \"eu\"}")))
        .containsExactly("eu-orders@3#0");
    assertThat(matched(index, event("order.created", "{\"total\": 50, \"region\": \"us\"}")))
        .isEmpty();
  }

  @Test
  void theWhenGuardDecidesAfterThePattern() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow(
            "orders",
            1,
            "[{\"event\": {\"type\": \"order.created\","
                + " \"match\": {\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}},"
                + " \"when\": \"event.data.region in ['eu', 'us']\"}}]"));

    // when / then
    assertThat(matched(index, event("order.created", "{\"total\": 250, \"region\": \"eu\"}")))
        .containsExactly("orders@1#0");
    assertThat(matched(index, event("order.created", "{\"total\": 250, \"region\": \"apac\"}")))
        .as("when is false")
        .isEmpty();
    assertThat(matched(index, event("order.created", "{\"total\": 5, \"region\": \"eu\"}")))
        .as("the pattern fails first")
        .isEmpty();
  }

  @Test
  void theWhenGuardSeesTheWholeEnvelope() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow(
            "w",
            1,
            "[{\"event\": {\"type\": \"t\", \"when\":"
                + " \"event.source == '/shop' && event.type == 't' && event.data.n + 1 == 3\"}}]"));

    // when / then
    assertThat(matched(index, event("t", "{\"n\": 2}"))).containsExactly("w@1#0");
  }

  @Test
  void aGuardThatFailsToEvaluateIsANonMatchWithTheReason() {
    // given: one trigger whose guard reads a missing key, one that matches
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow("fragile", 2, "[{\"event\": {\"type\": \"t\", \"when\": \"event.data.x > 1\"}}]"));
    index.put(workflow("plain", 1, "[{\"event\": {\"type\": \"t\"}}]"));

    // when
    Routing routing = index.route(event("t", "{\"y\": 1}"));

    // then
    assertThat(routing.matches()).extracting(Match::workflowId).containsExactly("plain");
    assertThat(routing.guardErrors()).hasSize(1);
    TriggerIndex.GuardError error = routing.guardErrors().get(0);
    assertThat(error.workflowId()).isEqualTo("fragile");
    assertThat(error.version()).isEqualTo(2);
    assertThat(error.triggerIndex()).isZero();
    assertThat(error.expression()).isEqualTo("event.data.x > 1");
    assertThat(error.reason()).contains("x");
    assertThat(error.message()).isEqualTo("when `event.data.x > 1` failed: " + error.reason());
  }

  @Test
  void aGuardWithANonBooleanResultIsAnError() {
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"t\", \"when\": \"event.data.n\"}}]"));

    Routing routing = index.route(event("t", "{\"n\": 2}"));

    assertThat(routing.matches()).isEmpty();
    assertThat(routing.guardErrors().get(0).reason())
        .isEqualTo("expected a boolean result, but got integer");
  }

  @Test
  void triggerIndexesCountScheduleTriggers() {
    // given: a schedule first, then two event triggers
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow(
            "mixed",
            1,
            "[{\"schedule\": {\"cron\": \"0 * * * * ?\"}},"
                + " {\"event\": {\"type\": \"a\"}}, {\"event\": {\"type\": \"a\","
                + " \"match\": {\"source\": [\"/shop\"]}}}]"));

    // when / then
    assertThat(matched(index, event("a", "{}"))).containsExactly("mixed@1#1", "mixed@1#2");
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.entries("mixed"))
        .extracting(TriggerIndex.Entry::triggerIndex)
        .containsExactly(1, 2);
  }

  @Test
  void putReplacesEveryTriggerOfTheWorkflow() {
    // given: version 1 triggers on a and b
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"a\"}}, {\"event\": {\"type\": \"b\"}}]"));
    index.put(workflow("other", 1, "[{\"event\": {\"type\": \"b\"}}]"));

    // when: version 2 triggers on b (with a pattern) and c
    index.put(
        workflow(
            "w",
            2,
            "[{\"event\": {\"type\": \"b\", \"match\": {\"data\": {\"k\": [1]}}}},"
                + " {\"event\": {\"type\": \"c\"}}]"));

    // then
    assertThat(matched(index, event("a", "{}"))).isEmpty();
    assertThat(matched(index, event("b", "{\"k\": 1}"))).containsExactly("other@1#0", "w@2#0");
    assertThat(matched(index, event("b", "{\"k\": 2}"))).containsExactly("other@1#0");
    assertThat(matched(index, event("c", "{}"))).containsExactly("w@2#1");
    assertThat(index.size()).isEqualTo(3);
  }

  @Test
  void removeTakesTheWorkflowOut() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"a\"}}]"));
    index.put(workflow("other", 1, "[{\"event\": {\"type\": \"a\"}}]"));

    // when
    boolean removed = index.remove("w");

    // then
    assertThat(removed).isTrue();
    assertThat(matched(index, event("a", "{}"))).containsExactly("other@1#0");
    assertThat(index.contains("w")).isFalse();
    assertThat(index.remove("w")).isFalse();
    assertThat(index.size()).isEqualTo(1);
  }

  @Test
  void putWithoutEventTriggersRemovesTheWorkflow() {
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"a\"}}]"));

    index.put(workflow("w", 2, "[{\"schedule\": {\"cron\": \"0 * * * * ?\"}}]"));

    assertThat(index.contains("w")).isFalse();
    assertThat(matched(index, event("a", "{}"))).isEmpty();
  }

  @Test
  void anInvalidPatternIsRefusedWithPointersAndTheIndexIsUnchanged() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"a\"}}]"));
    List<TriggerIndex.Entry> before = index.entries("w");
    Object badPattern =
        Json.parse("{\"data\": {\"n\": [{\"numeric\": [\"!=\", 1]}], \"m\": \"x\"}}");
    var trigger =
        new io.sluice.definition.TriggerDef.EventTrigger(
            "b", badPattern, null, null, "useExisting");
    var good =
        new io.sluice.definition.TriggerDef.EventTrigger("b", null, null, null, "useExisting");

    // when / then
    assertThatThrownBy(() -> index.put("w", 2, List.of(good, trigger)))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ProblemException.Kind.UNPROCESSABLE);
              assertThat(e.getMessage()).isEqualTo("workflow 'w' has an invalid event pattern");
              assertThat(e.problems())
                  .extracting(Problem::pointer)
                  .containsExactly(
                      "/triggers/1/event/match/data/n/0/numeric/0",
                      "/triggers/1/event/match/data/m");
            });
    assertThat(index.entries("w")).isEqualTo(before);
    assertThat(matched(index, event("a", "{}"))).containsExactly("w@1#0");
  }

  @Test
  void theBulkIndexMatchesLikeOneBuiltByPuts() {
    // given
    List<WorkflowDefinition> definitions = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      definitions.add(
          workflow(
              "w" + i,
              i + 1,
              "[{\"event\": {\"type\": \"t"
                  + (i % 3)
                  + "\", \"match\": {\"data\": {\"k\": ["
                  + (i % 5)
                  + "]}}}}, {\"event\": {\"type\": \"t0\", \"match\": {\"data\": {\"n\":"
                  + " [{\"numeric\": [\">\", "
                  + i
                  + "]}]}}}}]"));
    }
    List<TriggerIndex.Entry> entries = new ArrayList<>();
    definitions.forEach(d -> entries.addAll(TriggerIndex.Entry.of(d)));
    TriggerIndex bulk = new TriggerIndex(entries);
    TriggerIndex incremental = new TriggerIndex();
    definitions.forEach(incremental::put);

    // when / then
    for (int type = 0; type < 3; type++) {
      for (int k = 0; k < 5; k++) {
        CloudEvent e = event("t" + type, "{\"k\": " + k + ", \"n\": " + (k * 7) + "}");
        assertThat(matched(bulk, e)).isEqualTo(matched(incremental, e)).isNotEmpty();
      }
    }
    assertThat(bulk.size()).isEqualTo(incremental.size()).isEqualTo(60);
  }

  @Test
  void explainSaysForEveryTriggerOfTheWorkflowWhyItMatchesOrNot() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(
        workflow(
            "orders",
            4,
            "[{\"event\": {\"type\": \"order.created\"}},"
                + " {\"event\": {\"type\": \"order.paid\"}},"
                + " {\"event\": {\"type\": \"order.created\","
                + "   \"match\": {\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}}}},"
                + " {\"event\": {\"type\": \"order.created\", \"when\": \"event.data.region =="
                + " 'us'\"}},"
                + " {\"event\": {\"type\": \"order.created\", \"when\": \"event.data.x > 1\"}}]"));

    // when
    List<Explanation> explanations =
        index.explain(event("order.created", "{\"total\": 42, \"region\": \"eu\"}"), "orders");

    // then
    assertThat(explanations)
        .extracting(Explanation::triggerIndex, Explanation::verdict, Explanation::reason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0, Verdict.MATCHED, "matched"),
            org.assertj.core.groups.Tuple.tuple(
                1,
                Verdict.TYPE_DIFFERS,
                "type: expected \"order.paid\", but got \"order.created\""),
            org.assertj.core.groups.Tuple.tuple(
                2,
                Verdict.PATTERN_MISMATCH,
                "match: /data/total: expected numeric > 100, but got 42"),
            org.assertj.core.groups.Tuple.tuple(
                3,
                Verdict.WHEN_FALSE,
                "when: expected true, but `event.data.region == 'us'` is false"),
            org.assertj.core.groups.Tuple.tuple(
                4,
                Verdict.WHEN_ERROR,
                "when: `event.data.x > 1` failed: key 'x' is not present in map (guard optional"
                    + " fields with has(), e.g. has(event.data.x) && event.data.x > 1)"));
    assertThat(explanations.get(2).mismatch().path()).isEqualTo("/data/total");
    assertThat(explanations.get(2).mismatch().patternPointer()).isEqualTo("/data/total");
    assertThat(explanations.get(0).matched()).isTrue();
    assertThat(explanations).allSatisfy(x -> assertThat(x.version()).isEqualTo(4));
  }

  @Test
  void explainWithoutAWorkflowCoversEveryTriggerOfTheEventType() {
    // given
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("a", 1, "[{\"event\": {\"type\": \"t\"}}, {\"event\": {\"type\": \"u\"}}]"));
    index.put(
        workflow("b", 1, "[{\"event\": {\"type\": \"t\", \"match\": {\"source\": [\"/crm\"]}}}]"));

    // when
    List<Explanation> explanations = index.explain(event("t", "{}"), null);

    // then
    assertThat(explanations)
        .extracting(Explanation::workflowId, Explanation::verdict)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", Verdict.MATCHED),
            org.assertj.core.groups.Tuple.tuple("b", Verdict.PATTERN_MISMATCH));
    assertThat(explanations.get(1).reason())
        .isEqualTo("match: /source: expected \"/crm\", but got \"/shop\"");
    assertThat(index.explain(event("t", "{}"), "unknown")).isEmpty();
  }

  @Test
  void explainAgreesWithMatch() {
    // given: every verdict at once
    TriggerIndex index = new TriggerIndex();
    for (int i = 0; i < 20; i++) {
      index.put(
          workflow(
              "w" + i,
              1,
              "[{\"event\": {\"type\": \"t\", \"match\": {\"data\": {\"k\": [{\"numeric\":"
                  + " [\">=\", "
                  + i
                  + "]}]}}, \"when\": \"event.data.k % 2 == "
                  + (i % 2)
                  + "\"}}]"));
    }

    for (int k = 0; k < 22; k++) {
      CloudEvent e = event("t", "{\"k\": " + k + "}");
      // when
      List<String> explainedMatches =
          index.explain(e, null).stream()
              .filter(Explanation::matched)
              .map(x -> x.workflowId() + "@" + x.version() + "#" + x.triggerIndex())
              .toList();
      // then
      assertThat(explainedMatches).isEqualTo(matched(index, e));
    }
  }

  @Test
  void readersNeverSeeAHalfAppliedUpdate() throws InterruptedException {
    // given: a workflow with two triggers on one type, replaced again and again by new versions
    TriggerIndex index = new TriggerIndex();
    index.put(workflow("w", 1, "[{\"event\": {\"type\": \"t\"}}, {\"event\": {\"type\": \"t\"}}]"));
    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> inconsistencies = new ConcurrentLinkedQueue<>();
    List<Thread> readers = new ArrayList<>();
    for (int r = 0; r < 2; r++) {
      Thread reader =
          new Thread(
              () -> {
                CloudEvent e = event("t", "{}");
                while (!stop.get()) {
                  List<Match> matches = index.match(e);
                  if (matches.size() != 2 || matches.get(0).version() != matches.get(1).version()) {
                    inconsistencies.add(matches.toString());
                  }
                }
              });
      reader.start();
      readers.add(reader);
    }

    // when
    for (int version = 2; version <= 300; version++) {
      index.put(
          workflow(
              "w", version, "[{\"event\": {\"type\": \"t\"}}, {\"event\": {\"type\": \"t\"}}]"));
    }
    stop.set(true);
    for (Thread reader : readers) {
      reader.join(10_000);
    }

    // then
    assertThat(inconsistencies).isEmpty();
    assertThat(index.match(event("t", "{}"))).extracting(Match::version).containsOnly(300);
  }
}
