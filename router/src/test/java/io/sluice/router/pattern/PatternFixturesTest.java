package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of {@code src/test/resources/patterns}: the pattern gives the expected verdict on the
 * structured form and on the CloudEvent record, and explains itself (null exactly when it matches;
 * the expected message where the row has one).
 */
class PatternFixturesTest {
  static Stream<PatternRows.Row> rows() {
    return PatternRows.rows().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void thePatternGivesTheExpectedVerdict(PatternRows.Row row) {
    // given
    EventPattern pattern = EventPattern.compile(row.pattern());

    // when
    boolean onMap = pattern.matches(row.event());
    boolean onRecord = pattern.matches(CloudEvent.fromMap(row.event()));

    // then
    assertThat(onMap).as("verdict on the structured form").isEqualTo(row.match());
    assertThat(onRecord).as("verdict on the CloudEvent record").isEqualTo(row.match());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theExplanationAgreesWithTheVerdict(PatternRows.Row row) {
    // given
    EventPattern pattern = EventPattern.compile(row.pattern());

    // when
    Mismatch mismatch = pattern.explain(row.event());

    // then
    if (row.match()) {
      assertThat(mismatch).isNull();
    } else {
      assertThat(mismatch).isNotNull();
      if (row.explain() != null) {
        assertThat(mismatch.message()).isEqualTo(row.explain());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void anIndexOfTheOnePatternGivesTheSameVerdict(PatternRows.Row row) {
    // given: the pattern twice, so the index may pin a path
    EventPattern pattern = EventPattern.compile(row.pattern());
    PatternIndex<String> index = new PatternIndex<>(List.of("a", "b"), name -> pattern);

    // when
    List<String> matching = index.matching(CloudEvent.fromMap(row.event()));

    // then
    assertThat(matching).isEqualTo(row.match() ? List.of("a", "b") : List.of());
  }

  @Test
  void everyOperatorHasAMatchingAndANonMatchingRow() {
    List<PatternRows.Row> rows = PatternRows.rows();
    for (String operator :
        List.of(
            "\"prefix\"",
            "\"suffix\"",
            "\"equals-ignore-case\"",
            "\"wildcard\"",
            "\"anything-but\"",
            "\"numeric\"",
            "\"exists\":true",
            "\"exists\":false",
            "\"$or\"",
            "[null")) {
      assertThat(rows)
          .as(operator)
          .anySatisfy(r -> assertRow(r, operator, true))
          .anySatisfy(r -> assertRow(r, operator, false));
    }
  }

  private static void assertRow(PatternRows.Row row, String operator, boolean match) {
    assertThat(io.sluice.core.json.Json.write(row.pattern())).contains(operator);
    assertThat(row.match()).isEqualTo(match);
  }
}
