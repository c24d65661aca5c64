package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of {@code src/test/resources/pattern-errors}: exactly the listed problems. */
class PatternErrorsTest {
  static Stream<PatternRows.Invalid> invalid() {
    return PatternRows.invalid().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void anInvalidPatternIsRefusedWithEveryProblemAtItsPointer(PatternRows.Invalid row) {
    // when
    List<Problem> problems = EventPattern.check(row.pattern(), "");

    // then
    assertProblems(problems, row.problems(), "");
    assertThatThrownBy(() -> EventPattern.compile(row.pattern()))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ProblemException.Kind.UNPROCESSABLE);
              assertThat(e.getMessage()).isEqualTo("the event pattern is invalid");
              assertProblems(e.problems(), row.problems(), "");
            });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void problemsArePrefixedWithTheBasePointer(PatternRows.Invalid row) {
    // when
    List<Problem> problems = EventPattern.check(row.pattern(), "/triggers/3/event/match");

    // then
    assertProblems(problems, row.problems(), "/triggers/3/event/match");
  }

  @Test
  void aValidPatternHasNoProblems() {
    Object pattern =
        io.sluice.core.json.Json.parse(
            "{\"data\": {\"total\": [{\"numeric\": [\">\", 100]}], \"region\": [\"eu\"]}}");

    assertThat(EventPattern.check(pattern, "/x")).isEmpty();
  }

  private static void assertProblems(
      List<Problem> actual, List<Map<String, Object>> expected, String base) {
    assertThat(actual).as("problems: %s", actual).hasSameSizeAs(expected);
    for (int i = 0; i < expected.size(); i++) {
      assertThat(actual.get(i).pointer()).isEqualTo(base + expected.get(i).get("pointer"));
      assertThat(actual.get(i).message()).contains((String) expected.get(i).get("message"));
    }
  }
}
