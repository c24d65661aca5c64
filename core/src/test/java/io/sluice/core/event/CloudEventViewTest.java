package io.sluice.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.expr.CelExpressions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link CloudEvent#asMap()} answers every look-up as {@link CloudEvent#toMap()} would. */
class CloudEventViewTest {
  private static final List<String> KEYS =
      List.of(
          "specversion",
          "id",
          "source",
          "type",
          "time",
          "subject",
          "datacontenttype",
          "dataschema",
          "data",
          "priority",
          "traceparent",
          "nothing");

  private static List<CloudEvent> events() {
    Instant time = Instant.parse("2026-11-22T10:00:00.5Z");
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("total", 12.5);
    data.put("none", null);
    List<CloudEvent> out = new ArrayList<>();
    out.add(new CloudEvent("1", "/a", "t", time, "s", "application/json", "urn:s", data, Map.of()));
    out.add(new CloudEvent("2", "/a", "t", null, null, null, null, null, Map.of()));
    out.add(
        new CloudEvent(
            "3", "/a", "t", time, null, null, null, "text", Map.of("priority", 3L, "data", "x")));
    out.add(new CloudEvent("4", "/a", "t", null, null, null, null, null, Map.of("data", "ext")));
    return out;
  }

  @Test
  void everyKeyLooksUpAsInTheBuiltMap() {
    for (CloudEvent e : events()) {
      Map<String, Object> built = e.toMap();
      Map<String, Object> view = e.asMap();
      for (String key : KEYS) {
        assertThat(view.containsKey(key))
            .as("%s in event %s", key, e.id())
            .isEqualTo(built.containsKey(key));
        assertThat(view.get(key)).as("%s of event %s", key, e.id()).isEqualTo(built.get(key));
      }
      assertThat(view).isEqualTo(built);
      assertThat(List.copyOf(view.keySet())).isEqualTo(List.copyOf(built.keySet()));
    }
  }

  @Test
  void celReadsTheViewAsTheMap() {
    var cel = CelExpressions.workflow();
    List<String> expressions =
        List.of(
            "has(event.subject)",
            "has(event.time) ? event.time : 'none'",
            "has(event.data) ? event.data : null",
            "has(event.priority) ? event.priority : -1",
            "event.size()");
    for (CloudEvent e : events()) {
      for (String source : expressions) {
        var expression = cel.compile(source);
        Object onView = expression.evaluate(Map.of("event", e.asMap()));
        Object onMap = expression.evaluate(Map.of("event", e.toMap()));
        assertThat(onView).as("%s on event %s", source, e.id()).isEqualTo(onMap);
      }
    }
  }
}
