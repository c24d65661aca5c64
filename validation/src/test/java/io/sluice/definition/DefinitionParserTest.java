package io.sluice.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.Template;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.definition.TriggerDef.EventTrigger;
import io.sluice.definition.TriggerDef.ScheduleTrigger;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DefinitionParserTest {
  private final DefinitionParser parser =
      new DefinitionParser(
          CelExpressions.workflow(),
          type -> DefinitionParser.BUILT_IN_TYPES.contains(type) || type.equals("waitForEvent"));

  static String fixture(String name) {
    try (InputStream in = DefinitionParserTest.class.getResourceAsStream("/definitions/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theSpecExampleCompilesIntoStepsTriggersAndTemplates() {
    // when
    WorkflowDefinition d = parser.parse(fixture("valid/spec-example.json"), false);

    // then
    assertThat(d.id()).isEqualTo("order-fulfilment");
    assertThat(d.name()).isEqualTo("Order fulfilment");
    assertThat(d.version()).isZero();
    assertThat(d.timeout()).isEqualTo(Duration.ofDays(7));
    assertThat(d.steps())
        .extracting(StepDef::id)
        .containsExactly("enrich", "score", "hot-lead", "payment");
    assertThat(d.onFailure()).extracting(StepDef::id).containsExactly("alert");
    StepDef enrich = d.steps().get(0);
    assertThat(enrich.retry())
        .isEqualTo(
            new RetryPolicy(
                4, Duration.ofSeconds(1), 2.0, Duration.ofMinutes(1), 0.2, Set.of("http.4xx")));
    assertThat(enrich.timeout()).isEqualTo(Duration.ofSeconds(10));
    Map<String, Object> vars = Map.of("input", Map.of("customerId", "c7", "orderId", "o1"));
    assertThat(enrich.with().evaluate(vars))
        .isEqualTo(Map.of("method", "GET", "url", "http://crm.local/customers/c7"));
    StepDef hot = d.steps().get(2);
    assertThat(hot.needs()).containsExactly("score");
    assertThat(hot.condition().source()).isEqualTo("steps.score.output.score > 50");
    assertThat(
            d.output()
                .evaluate(
                    Map.of(
                        "input",
                        Map.of("orderId", "o1"),
                        "steps",
                        Map.of("score", Map.of("output", Map.of("score", 3L))))))
        .isEqualTo(Map.of("orderId", "o1", "score", 3L));
    assertThat(d.triggers()).hasSize(2);
    EventTrigger event = (EventTrigger) d.triggers().get(0);
    assertThat(event.type()).isEqualTo("order.created");
    assertThat(event.onConflict()).isEqualTo("useExisting");
    assertThat(event.when().source()).isEqualTo("event.data.region in ['eu', 'us']");
    assertThat(event.key().evaluate(Map.of("event", Map.of("data", Map.of("orderId", "o1")))))
        .isEqualTo("o1");
    assertThat(event.match())
        .isEqualTo(Json.parse("{\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}}"));
    ScheduleTrigger schedule = (ScheduleTrigger) d.triggers().get(1);
    assertThat(schedule.cron()).isEqualTo("0 */5 * * * ?");
    assertThat(schedule.timezone()).isEqualTo("Europe/Berlin");
    assertThat(schedule.overlap()).isEqualTo("skip");
    assertThat(schedule.input().evaluate(Map.of())).isEqualTo(Map.of("sweep", true));
    assertThat(d.inputSchema()).isEqualTo(Map.of("type", "object"));
    assertThat(d.source()).isEqualTo(Json.parse(fixture("valid/spec-example.json")));
  }

  @Test
  void absentOptionsGetTheirDocumentedDefaults() {
    // given
    String text =
        "{\"id\": \"w\", \"triggers\": [{\"event\": {\"type\": \"t\"}}, {\"schedule\": {\"cron\": \"0 0 * * * ?\"}}],"
            + " \"steps\": [{\"id\": \"a\", \"type\": \"transform\"},"
            + " {\"id\": \"b\", \"type\": \"http\", \"with\": {\"url\": \"https://x.local\"},"
            + "  \"retry\": {\"maxAttempts\": 3, \"initialInterval\": \"PT10M\"}}]}";

    // when
    WorkflowDefinition d = parser.parse(text, false);

    // then
    StepDef a = d.steps().get(0);
    assertThat(a.with()).isEqualTo(new Template.Literal(Map.of()));
    assertThat(a.retry()).isEqualTo(RetryPolicy.NONE);
    assertThat(a.condition()).isNull();
    assertThat(a.timeout()).isNull();
    assertThat(a.continueOnError()).isFalse();
    StepDef b = d.steps().get(1);
    assertThat(b.with().evaluate(Map.of()))
        .isEqualTo(Map.of("url", "https://x.local", "method", "GET"));
    assertThat(b.retry().maxAttempts()).isEqualTo(3);
    assertThat(b.retry().initialInterval()).isEqualTo(Duration.ofMinutes(10));
    assertThat(b.retry().maxInterval())
        .as("the default cap never undercuts the start")
        .isEqualTo(Duration.ofMinutes(10));
    assertThat(b.retry().multiplier()).isEqualTo(RetryPolicy.DEFAULT_MULTIPLIER);
    assertThat(b.retry().jitter()).isEqualTo(RetryPolicy.DEFAULT_JITTER);
    assertThat(d.name()).isEqualTo("w");
    assertThat(d.output()).isNull();
    assertThat(d.timeout()).isNull();
    assertThat(d.inputSchema()).isNull();
    assertThat(d.onFailure()).isEmpty();
    assertThat(((EventTrigger) d.triggers().get(0)).key()).isNull();
    assertThat(((EventTrigger) d.triggers().get(0)).when()).isNull();
    ScheduleTrigger schedule = (ScheduleTrigger) d.triggers().get(1);
    assertThat(schedule.timezone()).isEqualTo("UTC");
    assertThat(schedule.overlap()).isEqualTo("skip");
    assertThat(schedule.input()).isEqualTo(new Template.Literal(Map.of()));
  }

  @Test
  void malformedJsonIsRefusedAsMalformedWithLineAndColumn() {
    // given: a missing comma on line 3
    String text = "{\n  \"id\": \"w\",\n  \"steps\": [] \"x\": 1\n}";

    // when
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> parser.parse(text, false));

    // then
    assertThat(e.kind()).isEqualTo(Kind.MALFORMED);
    assertThat(e.problems()).hasSize(1);
    assertThat(e.problems().get(0).pointer()).isEmpty();
    assertThat(e.problems().get(0).message())
        .startsWith("expected well-formed JSON, but ")
        .contains("(line 3, column 15)");
  }

  @Test
  void malformedYamlIsRefusedAsMalformedWithLineAndColumn() {
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> parser.parse("id: w\nsteps: [\n", true));

    assertThat(e.kind()).isEqualTo(Kind.MALFORMED);
    assertThat(e.problems().get(0).message())
        .startsWith("expected well-formed YAML, but ")
        .contains("line 3");
  }

  @Test
  void duplicateKeysAreMalformedRatherThanSilentlyOverwritten() {
    assertThatThrownBy(() -> parser.parse("{\"id\": \"a\", \"steps\": [], \"id\": \"b\"}", false))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(Kind.MALFORMED);
              assertThat(e.problems().get(0).message()).contains("duplicate field 'id'");
            });
    assertThatThrownBy(() -> parser.parse("id: a\nid: b\n", true))
        .isInstanceOfSatisfying(
            ProblemException.class, e -> assertThat(e.kind()).isEqualTo(Kind.MALFORMED));
  }

  @Test
  void emptyTextAndTooDeepNestingAreMalformed() {
    assertThat(
            catchThrowableOfType(ProblemException.class, () -> parser.parse("  ", false))
                .problems())
        .containsExactly(Problem.at("", "expected well-formed JSON, but the text is empty"));
    String deep =
        "{\"id\": \"w\", \"steps\": [], \"output\": " + "[".repeat(100) + "]".repeat(100) + "}";
    assertThat(catchThrowableOfType(ProblemException.class, () -> parser.parse(deep, false)).kind())
        .isEqualTo(Kind.MALFORMED);
    String deepYaml = "id: w\noutput: " + "[".repeat(100) + "]".repeat(100) + "\n";
    assertThat(
            catchThrowableOfType(ProblemException.class, () -> parser.parse(deepYaml, true)).kind())
        .isEqualTo(Kind.MALFORMED);
  }

  @Test
  void wellFormedTextThatIsNotAnObjectIsUnprocessable() {
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> parser.parse("[1, 2]", false));

    assertThat(e.kind()).isEqualTo(Kind.UNPROCESSABLE);
    assertThat(e.problems())
        .containsExactly(Problem.at("", "expected a workflow definition object, but got array"));
  }

  @Test
  void yamlParsesToTheSameDefinitionAsJson() {
    // given
    String json = fixture("valid/spec-example.json");
    String yaml = fixture("spec-example.yaml");

    // when
    WorkflowDefinition fromJson = parser.parse(json, false);
    WorkflowDefinition fromYaml = parser.parse(yaml, true);

    // then
    assertThat(fromYaml.source()).isEqualTo(fromJson.source());
    assertThat(fromYaml).isEqualTo(fromJson);
  }

  @Test
  void aLongCycleIsFoundWithoutRecursionAndNamedShortly() {
    // given: s0 needs s1 needs ... needs s1999 needs s0
    StringBuilder steps = new StringBuilder();
    int n = 2000;
    for (int i = 0; i < n; i++) {
      steps
          .append(i == 0 ? "" : ",")
          .append("{\"id\": \"s")
          .append(i)
          .append("\", \"type\": \"transform\", \"needs\": [\"s")
          .append((i + 1) % n)
          .append("\"]}");
    }
    String text = "{\"id\": \"long\", \"steps\": [" + steps + "]}";

    // when
    ProblemException e =
        catchThrowableOfType(ProblemException.class, () -> parser.parse(text, false));

    // then
    assertThat(e.problems())
        .containsExactly(
            Problem.at(
                "/steps/0/needs/0",
                "expected the steps to form a DAG, but they form a cycle: s0 -> s1 -> s2 -> s3 -> s4 -> s5 -> s6 -> s7 -> s8 -> s9 -> s10 -> … (1989 more) -> s0"));
  }

  @Test
  void onlyTheGivenPredicateDecidesWhichTypesAreKnown() {
    DefinitionParser builtInsOnly =
        new DefinitionParser(CelExpressions.workflow(), DefinitionParser.BUILT_IN_TYPES::contains);
    DefinitionParser anything = new DefinitionParser(CelExpressions.workflow(), type -> true);
    String text = "{\"id\": \"w\", \"steps\": [{\"id\": \"p\", \"type\": \"fax\"}]}";

    assertThat(anything.parse(text, false).steps().get(0).type()).isEqualTo("fax");
    assertThat(
            catchThrowableOfType(ProblemException.class, () -> builtInsOnly.parse(text, false))
                .problems())
        .extracting(Problem::pointer)
        .containsExactly("/steps/0/type");
  }

  @Test
  void theDocumentIsCopiedSoLaterChangesByTheCallerDoNotLeakIn() {
    Map<String, Object> document = Json.parseObject(fixture("valid/minimal.json"));

    WorkflowDefinition d = parser.parse(document);
    ((List<Object>) document.get("steps")).clear();

    assertThat(d.source().get("steps")).asList().hasSize(1);
  }
}
