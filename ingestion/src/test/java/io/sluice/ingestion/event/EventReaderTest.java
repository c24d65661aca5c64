package io.sluice.ingestion.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.problem.ProblemException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventReaderTest {
  private final EventReader reader = new EventReader(8, 3);

  private Submission read(String contentType, Map<String, String> headers, String body) {
    return reader.read(contentType, headers, body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void structuredEventsKeepExtensionsAndData() {
    Entry e =
        read(
                EventReader.STRUCTURED,
                Map.of(),
                "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",\"n\":3,\"flag\":true,\"subject\":null,\"data\":{\"a\":[1,2.5]}}")
            .entries()
            .get(0);

    assertThat(e.rejection()).isNull();
    assertThat(e.event().extensions()).containsEntry("n", 3L).containsEntry("flag", true);
    assertThat(e.event().subject()).isNull();
    assertThat(e.event().datacontenttype()).isNull();
    assertThat(e.event().data()).isEqualTo(Map.of("a", java.util.List.of(1L, 2.5)));
  }

  @Test
  void dataBase64IsDecodedByContentType() {
    String json =
        java.util.Base64.getEncoder().encodeToString("{\"x\":1}".getBytes(StandardCharsets.UTF_8));
    String text =
        java.util.Base64.getEncoder().encodeToString("hi".getBytes(StandardCharsets.UTF_8));
    String png =
        java.util.Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 0x50, (byte) 0xff});
    String head = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\",";

    assertThat(
            read(EventReader.STRUCTURED, Map.of(), head + "\"data_base64\":\"" + json + "\"}")
                .entries()
                .get(0)
                .event()
                .data())
        .isEqualTo(Map.of("x", 1L));
    assertThat(
            read(
                    EventReader.STRUCTURED,
                    Map.of(),
                    head + "\"datacontenttype\":\"text/plain\",\"data_base64\":\"" + text + "\"}")
                .entries()
                .get(0)
                .event()
                .data())
        .isEqualTo("hi");
    Entry binary =
        read(
                EventReader.STRUCTURED,
                Map.of(),
                head + "\"datacontenttype\":\"image/png\",\"data_base64\":\"" + png + "\"}")
            .entries()
            .get(0);
    assertThat(binary.rejection().problems())
        .extracting(p -> p.pointer())
        .containsExactly("/data_base64");
  }

  @Test
  void batchesAreLimitedAndEachEntryStandsAlone() {
    String ok = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}";
    Submission s = read(EventReader.BATCH, Map.of(), "[" + ok + ",7]");

    assertThat(s.batch()).isTrue();
    assertThat(s.entries().get(0).rejection()).isNull();
    assertThat(s.entries().get(1).rejection().problems().get(0).pointer()).isEqualTo("/1");
    assertThatThrownBy(
            () ->
                read(EventReader.BATCH, Map.of(), "[" + ok + "," + ok + "," + ok + "," + ok + "]"))
        .isInstanceOfSatisfying(
            ProblemException.class, p -> assertThat(p.kind().status()).isEqualTo(413));
  }

  @Test
  void depthIsLimited() {
    assertThatThrownBy(
            () ->
                read("application/json", Map.of(), "{\"a\":" + "[".repeat(8) + "]".repeat(8) + "}"))
        .isInstanceOfSatisfying(
            ProblemException.class,
            p -> assertThat(p.problems().get(0).message()).contains("at most 8 levels"));
  }

  @Test
  void binaryModeReadsHeaders() {
    Entry e =
        read(
                "application/json",
                Map.of(
                    "ce-specversion",
                    "1.0",
                    "ce-id",
                    "b",
                    "ce-source",
                    "/s",
                    "ce-type",
                    "t",
                    "ce-time",
                    "2024-01-01T00:00:00+02:00",
                    "ce-tenant",
                    "acme"),
                "{\"k\":\"v\"}")
            .entries()
            .get(0);

    assertThat(e.rejection()).isNull();
    assertThat(e.event().time()).hasToString("2023-12-31T22:00:00Z");
    assertThat(e.event().extensions()).containsEntry("tenant", "acme");
    assertThat(e.event().data()).isEqualTo(Map.of("k", "v"));
  }
}
