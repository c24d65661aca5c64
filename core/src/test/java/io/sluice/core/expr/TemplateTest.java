package io.sluice.core.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private final CelExpressions cel = CelExpressions.workflow();
  private final Map<String, Object> vars =
      Map.of(
          "input", Json.parse("{\"n\": 41, \"name\": \"ada\", \"x\": null, \"price\": 2.5}"),
          "steps", Json.parse("{\"a\": {\"output\": {\"score\": 30}, \"status\": \"COMPLETED\"}}"));

  @Test
  void jsonIntegersAreCelInts() {
    assertThat(cel.compile("input.n + 1").evaluate(vars)).isEqualTo(42L);
  }

  @Test
  void mixedNumericComparisonsWork() {
    assertThat(cel.compile("input.price > 2").test(vars)).isTrue();
    assertThat(cel.compile("input.n > 40.5").test(vars)).isTrue();
  }

  @Test
  void nullsInDataAreCelNull() {
    assertThat(cel.compile("input.x == null").test(vars)).isTrue();
    assertThat(cel.compile("input.x").evaluate(vars)).isNull();
  }

  @Test
  void exactExpressionKeepsItsType() {
    Template t = Template.compile("${steps.a.output.score * 2}", cel);
    assertThat(t.evaluate(vars)).isEqualTo(60L);
  }

  @Test
  void embeddedExpressionsAreInterpolatedAsText() {
    Template t = Template.compile("hi ${input.name}, n=${input.n}, x=${input.x}", cel);
    assertThat(t.evaluate(vars)).isEqualTo("hi ada, n=41, x=");
  }

  @Test
  void objectsAndArraysAreTemplatedMemberwise() {
    Template t =
        Template.compile(
            Json.parse("{\"a\": [\"${input.n}\", 1], \"b\": {\"c\": \"${{'k': 1}}\"}}"), cel);
    assertThat(t.evaluate(vars))
        .isEqualTo(Json.parse("{\"a\": [41, 1], \"b\": {\"c\": {\"k\": 1}}}"));
  }

  @Test
  void constantTreesAreLiterals() {
    Template t = Template.compile(Json.parse("{\"a\": [1, \"x\"], \"b\": null}"), cel);
    assertThat(t.isConstant()).isTrue();
  }

  @Test
  void badExpressionsAreReportedWithTheirPointer() {
    List<Problem> problems = new ArrayList<>();
    Template.compile(
        Json.parse("{\"a\": [\"${input.}\"], \"b\": \"${nope + 1}\", \"c\": \"${x\"}"),
        cel,
        "/with",
        problems);
    assertThat(problems)
        .extracting(Problem::pointer)
        .containsExactly("/with/a/0", "/with/b", "/with/c");
    assertThat(problems.get(1).message()).contains("nope");
  }

  @Test
  void runtimeFailureNamesExpressionAndReason() {
    assertThatThrownBy(() -> cel.compile("input.missing + 1").evaluate(vars))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("input.missing + 1")
        .hasMessageContaining("missing");
  }

  @Test
  void macrosAreAvailable() {
    assertThat(cel.compile("has(input.name) && !has(input.nope)").test(vars)).isTrue();
    assertThat(cel.compile("[1, 2, 3].filter(i, i > 1).size()").evaluate(vars)).isEqualTo(2L);
  }

  @Test
  void nonBooleanConditionIsAnError() {
    assertThatThrownBy(() -> cel.compile("input.n").test(vars))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("expected a boolean");
  }

  @Test
  void stringAndMathExtensionsAreAvailable() {
    assertThat(cel.compile("input.name.upperAscii() + '!'").evaluate(vars)).isEqualTo("ADA!");
    assertThat(cel.compile("math.greatest(1, input.n)").evaluate(vars)).isEqualTo(41L);
  }
}
