package io.sluice.orchestrator.api;

import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.StepError;
import io.sluice.orchestrator.domain.StepState;
import io.sluice.orchestrator.domain.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON shape of instances in the API. */
final class InstanceViews {
  private InstanceViews() {}

  static Map<String, Object> summary(InstanceState s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", s.id());
    out.put("workflowId", s.workflowId());
    out.put("version", s.version());
    out.put("key", s.key());
    if (s.supersededBy() != null) {
      out.put("supersededBy", s.supersededBy());
    }
    out.put("status", s.status().name());
    out.put("startedAt", text(s.startedAt()));
    out.put("updatedAt", text(s.updatedAt()));
    out.put("endedAt", text(s.endedAt()));
    return out;
  }

  static Map<String, Object> full(InstanceState s) {
    Map<String, Object> out = summary(s);
    out.put("input", s.input());
    out.put("output", s.output());
    out.put("error", error(s.error()));
    if (s.endingAs() != null) {
      out.put("endingAs", s.endingAs().name());
    }
    List<Map<String, Object>> steps = new ArrayList<>();
    for (StepState st : s.steps().values()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("id", st.id());
      v.put("status", st.status().name());
      v.put("attempts", st.attempt());
      v.put("output", st.output());
      v.put("error", error(st.error()));
      v.put("startedAt", text(st.startedAt()));
      v.put("endedAt", text(st.endedAt()));
      if (st.waitingFor() != null) {
        v.put("waitingFor", st.waitingFor());
      }
      steps.add(v);
    }
    out.put("steps", steps);
    List<Map<String, Object>> timers = new ArrayList<>();
    for (Timer t : s.timers()) {
      Map<String, Object> v = new LinkedHashMap<>();
      v.put("kind", t.kind().name());
      v.put("stepId", t.stepId());
      v.put("dueAt", text(t.dueAt()));
      timers.add(v);
    }
    out.put("timers", timers);
    return out;
  }

  private static Map<String, Object> error(StepError e) {
    if (e == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("code", e.code());
    out.put("message", e.message());
    if (e.stepId() != null) {
      out.put("stepId", e.stepId());
    }
    return out;
  }

  private static String text(Instant t) {
    return t == null ? null : t.toString();
  }
}
