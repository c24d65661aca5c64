package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.json.Json;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.event.ruler.Machine;

/**
 * The same rows through AWS Event Ruler (AWS's open-source library for EventBridge-style patterns):
 * it must give the same verdict. Rows marked {@code rulerDiffers} are where Sluice deliberately
 * departs (documented in the row and in {@code docs/router.md}); for those, Event Ruler must really
 * disagree, so a stale note fails too.
 */
class EventRulerDifferentialTest {
  static Stream<PatternRows.Row> sameVerdict() {
    return PatternRows.rows().stream().filter(r -> r.rulerDiffers() == null);
  }

  static Stream<PatternRows.Row> documentedDifferences() {
    return PatternRows.rows().stream().filter(r -> r.rulerDiffers() != null);
  }

  static Stream<PatternRows.Invalid> refusedByBoth() {
    return PatternRows.invalid().stream().filter(r -> r.rulerAccepts() == null);
  }

  static Stream<PatternRows.Invalid> acceptedByEventRuler() {
    return PatternRows.invalid().stream().filter(r -> r.rulerAccepts() != null);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sameVerdict")
  void eventRulerGivesTheSameVerdict(PatternRows.Row row) throws Exception {
    assertThat(ruler(row)).isEqualTo(row.match());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("documentedDifferences")
  void aDocumentedDifferenceIsReal(PatternRows.Row row) {
    Boolean verdict;
    try {
      verdict = ruler(row);
    } catch (Exception refused) {
      verdict = null; // Event Ruler refuses the pattern: also a difference
    }
    assertThat(verdict).as(row.rulerDiffers()).isNotEqualTo(row.match());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedByBoth")
  void eventRulerRefusesTheInvalidPatternToo(PatternRows.Invalid row) {
    Machine machine = new Machine();

    assertThatThrownBy(() -> machine.addRule("r", Json.write(row.pattern())))
        .isInstanceOf(Exception.class);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedByEventRuler")
  void aDocumentedRefusalIsReal(PatternRows.Invalid row) throws Exception {
    Machine machine = new Machine();

    machine.addRule("r", Json.write(row.pattern())); // does not throw: see row.rulerAccepts()
    assertThat(machine.isEmpty()).as(row.rulerAccepts()).isFalse();
  }

  private static boolean ruler(PatternRows.Row row) throws Exception {
    Machine machine = new Machine();
    machine.addRule("r", Json.write(row.pattern()));
    return !machine.rulesForJSONEvent(Json.write(row.event())).isEmpty();
  }
}
