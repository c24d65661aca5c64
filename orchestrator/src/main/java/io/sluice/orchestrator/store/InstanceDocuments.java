package io.sluice.orchestrator.store;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.orchestrator.domain.StepError;
import io.sluice.orchestrator.domain.StepState;
import io.sluice.orchestrator.domain.StepStatus;
import io.sluice.orchestrator.domain.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Maps instance state to and from store documents. User payloads (input, outputs, event data) are
 * stored as JSON text: their keys may contain '.' or start with '$', which BSON field names must
 * not, and the store never queries inside them.
 */
final class InstanceDocuments {
  private InstanceDocuments() {}

  /** The user's key of a stored key (a released key has a suffix, see InstanceStore). */
  static String liveKey(String stored) {
    int at = stored == null ? -1 : stored.indexOf(InstanceStore.RELEASED);
    return at < 0 ? stored : stored.substring(0, at);
  }

  /** The fields a save replaces (everything but _id, history and emitted). */
  static Document stateFields(InstanceState s) {
    Document d = new Document();
    d.put("workflowId", s.workflowId());
    d.put("version", s.version());
    d.put(
        "key",
        s.supersededBy() == null ? s.key() : InstanceStore.releasedKey(s.key(), s.startedBy()));
    d.put("supersededBy", s.supersededBy());
    d.put("status", s.status().name());
    d.put("endingAs", s.endingAs() == null ? null : s.endingAs().name());
    d.put("input", text(s.input()));
    d.put("event", s.event() == null ? null : Json.write(s.event()));
    List<Document> steps = new ArrayList<>(s.steps().size());
    for (StepState st : s.steps().values()) {
      Document sd = new Document("id", st.id()).append("status", st.status().name());
      sd.append("attempt", st.attempt());
      if (st.base() != 0) {
        sd.append("base", st.base());
      }
      if (st.output() != null) {
        sd.append("output", Json.write(st.output()));
      }
      if (st.error() != null) {
        sd.append("error", error(st.error()));
      }
      sd.append("startedAt", date(st.startedAt())).append("endedAt", date(st.endedAt()));
      if (st.waitingFor() != null) {
        sd.append("waitingFor", st.waitingFor());
      }
      steps.add(sd);
    }
    d.put("steps", steps);
    d.put("output", text(s.output()));
    d.put("error", s.error() == null ? null : error(s.error()));
    d.put("startedAt", date(s.startedAt()));
    d.put("updatedAt", date(s.updatedAt()));
    d.put("endedAt", date(s.endedAt()));
    List<Document> timers = new ArrayList<>(s.timers().size());
    for (Timer t : s.timers()) {
      timers.add(
          new Document("id", t.id())
              .append("kind", t.kind().name())
              .append("stepId", t.stepId())
              .append("attempt", t.attempt())
              .append("dueAt", date(t.dueAt())));
    }
    d.put("timers", timers);
    d.put("seq", s.seq());
    return d;
  }

  static InstanceState state(Document d) {
    Map<String, StepState> steps = new LinkedHashMap<>();
    for (Document sd : d.getList("steps", Document.class, List.of())) {
      steps.put(
          sd.getString("id"),
          new StepState(
              sd.getString("id"),
              StepStatus.valueOf(sd.getString("status")),
              sd.getInteger("attempt", 0),
              parse(sd.getString("output")),
              error(sd.get("error", Document.class)),
              instant(sd.getDate("startedAt")),
              instant(sd.getDate("endedAt")),
              sd.getString("waitingFor"),
              sd.getInteger("base", 0)));
    }
    List<Timer> timers = new ArrayList<>();
    for (Document td : d.getList("timers", Document.class, List.of())) {
      timers.add(
          new Timer(
              td.getString("id"),
              Timer.Kind.valueOf(td.getString("kind")),
              td.getString("stepId"),
              td.getInteger("attempt", 0),
              instant(td.getDate("dueAt"))));
    }
    String endingAs = d.getString("endingAs");
    @SuppressWarnings("unchecked")
    Map<String, Object> event = (Map<String, Object>) parse(d.getString("event"));
    return new InstanceState(
        d.getString("_id"),
        d.getString("workflowId"),
        d.getInteger("version", 0),
        liveKey(d.getString("key")),
        d.getString("supersededBy"),
        InstanceStatus.valueOf(d.getString("status")),
        endingAs == null ? null : InstanceStatus.valueOf(endingAs),
        parse(d.getString("input")),
        event,
        steps,
        parse(d.getString("output")),
        error(d.get("error", Document.class)),
        instant(d.getDate("startedAt")),
        instant(d.getDate("updatedAt")),
        instant(d.getDate("endedAt")),
        timers,
        d.getInteger("seq", 0),
        ((Number) d.get("rev")).longValue());
  }

  static List<String> eventTexts(List<CloudEvent> events) {
    List<String> out = new ArrayList<>(events.size());
    events.forEach(e -> out.add(Json.write(e.toMap())));
    return out;
  }

  @SuppressWarnings("unchecked")
  static List<CloudEvent> events(List<String> texts) {
    List<CloudEvent> out = new ArrayList<>(texts.size());
    texts.forEach(t -> out.add(CloudEvent.fromMap((Map<String, Object>) Json.parse(t))));
    return out;
  }

  private static Document error(StepError e) {
    return new Document("code", e.code())
        .append("message", e.message())
        .append("retryable", e.retryable())
        .append("stepId", e.stepId());
  }

  private static StepError error(Document d) {
    if (d == null) {
      return null;
    }
    return new StepError(
        d.getString("code"),
        d.getString("message"),
        d.getBoolean("retryable", false),
        d.getString("stepId"));
  }

  private static String text(Object value) {
    return value == null ? null : Json.write(value);
  }

  private static Object parse(String text) {
    return text == null ? null : Json.parse(text);
  }

  static Date date(Instant instant) {
    return instant == null ? null : Date.from(instant);
  }

  static Instant instant(Date date) {
    return date == null ? null : date.toInstant();
  }
}
