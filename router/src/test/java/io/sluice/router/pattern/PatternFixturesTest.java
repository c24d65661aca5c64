package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
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

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void theVerdictIsTheSameOnAnEventBuiltOfOtherCollections(PatternRows.Row row) {
    // given: the event made of other Map and List classes than the parser's (the matchers test
    // the parser's classes first and must fall back to the interfaces for the rest)
    EventPattern pattern = EventPattern.compile(row.pattern());
    @SuppressWarnings("unchecked")
    Map<String, Object> event = (Map<String, Object>) otherCollections(row.event());
    PatternIndex<String> index = new PatternIndex<>(List.of("a", "b"), name -> pattern);

    // when
    boolean onMap = pattern.matches(event);
    boolean onRecord = pattern.matches(CloudEvent.fromMap(event));
    List<String> matching = index.matching(CloudEvent.fromMap(event));

    // then
    assertThat(onMap).as("verdict on the structured form").isEqualTo(row.match());
    assertThat(onRecord).as("verdict on the CloudEvent record").isEqualTo(row.match());
    assertThat(matching).isEqualTo(row.match() ? List.of("a", "b") : List.of());
  }

  /** A copy with every object an unmodifiable HashMap and every array a LinkedList. */
  private static Object otherCollections(Object value) {
    if (value instanceof Map<?, ?> map) {
      Map<Object, Object> copy = new HashMap<>();
      map.forEach((k, v) -> copy.put(k, otherCollections(v)));
      return Collections.unmodifiableMap(copy);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new LinkedList<>();
      list.forEach(v -> copy.add(otherCollections(v)));
      return copy;
    }
    return value;
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
