package io.sluice.ingestion.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** External producers cannot use the {@code sluice/} source prefix in any mode of the reader. */
class ReservedSourcesTest {
  private final EventReader reader = new EventReader(8, 3);

  private static String event(String id, String source) {
    return "{\"specversion\":\"1.0\",\"id\":\""
        + id
        + "\",\"source\":\""
        + source
        + "\",\"type\":\"schedule.fired\",\"data\":{}}";
  }

  private Entry one(String contentType, Map<String, String> headers, String body) {
    return reader
        .read(contentType, headers, body.getBytes(StandardCharsets.UTF_8))
        .entries()
        .get(0);
  }

  @Test
  void aStructuredEventWithAReservedSourceIsRefusedAtSource() {
    Entry e = one(EventReader.STRUCTURED, Map.of(), event("1", "sluice/schedules/wf/0"));

    assertThat(e.event()).isNull();
    assertThat(e.rejection().kind().status()).isEqualTo(422);
    assertThat(e.rejection().getMessage()).contains("'sluice/' is reserved");
    assertThat(e.rejection().problems())
        .singleElement()
        .satisfies(p -> assertThat(p.pointer()).isEqualTo("/source"));
    assertThat(e.source()).as("kept for the dead letter").isEqualTo("sluice/schedules/wf/0");
  }

  @Test
  void eachBatchEntryIsJudgedOnItsOwnWithItsIndexInThePointer() {
    var entries =
        reader
            .read(
                EventReader.BATCH,
                Map.of(),
                ("[" + event("a", "/shop") + "," + event("b", "sluice/x") + "]")
                    .getBytes(StandardCharsets.UTF_8))
            .entries();

    assertThat(entries.get(0).rejection()).isNull();
    assertThat(entries.get(1).rejection().problems().get(0).pointer()).isEqualTo("/1/source");
  }

  @Test
  void binaryModeRefusesAReservedCeSourceHeader() {
    Entry e =
        one(
            "application/json",
            Map.of(
                "ce-specversion", "1.0",
                "ce-id", "1",
                "ce-source", "sluice/schedules/wf/0",
                "ce-type", "schedule.fired"),
            "{}");

    assertThat(e.rejection()).isNotNull();
    assertThat(e.rejection().problems().get(0).pointer()).isEqualTo("/source");
  }

  @Test
  void sourcesThatOnlyLookAlikeAreFree() {
    for (String source : new String[] {"sluice", "/sluice/x", "Sluice/x", "urn:sluice/x"}) {
      assertThat(one(EventReader.STRUCTURED, Map.of(), event("1", source)).rejection())
          .as(source)
          .isNull();
    }
  }
}
