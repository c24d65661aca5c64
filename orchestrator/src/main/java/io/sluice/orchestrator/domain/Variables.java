package io.sluice.orchestrator.domain;

import io.sluice.definition.WorkflowDefinition;
import java.time.Instant;
import java.util.AbstractMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The variables of workflow expressions (SPEC §2): {@code input}, {@code event}, {@code steps},
 * {@code instance} and, while {@code onFailure} runs, {@code error}. {@code steps} is a live view
 * of the decision's step states, built entry by entry when an expression reads it, so a large
 * workflow does not copy every step's output for every expression.
 */
final class Variables {
  private final Map<String, Object> map = new HashMap<>();

  Variables(
      Supplier<Map<String, StepState>> steps,
      Object input,
      Map<String, Object> event,
      String instanceId,
      WorkflowDefinition def,
      Instant startedAt,
      StepError error) {
    map.put("input", input);
    map.put("event", event);
    Map<String, Object> instance = new LinkedHashMap<>();
    instance.put("id", instanceId);
    instance.put("workflowId", def.id());
    instance.put("version", (long) def.version());
    instance.put("startedAt", startedAt.toString());
    map.put("instance", instance);
    map.put("steps", new StepsView(steps));
    map.put("error", error == null ? null : Run.errorData(error));
  }

  Map<String, Object> map() {
    return map;
  }

  /** {@code steps.<id>} = {@code {status, output, attempts, error}} of the step, read on demand. */
  private static final class StepsView extends AbstractMap<String, Object> {
    private final Supplier<Map<String, StepState>> steps;

    StepsView(Supplier<Map<String, StepState>> steps) {
      this.steps = steps;
    }

    @Override
    public Object get(Object key) {
      StepState st = steps.get().get(key);
      return st == null ? null : view(st);
    }

    @Override
    public boolean containsKey(Object key) {
      return steps.get().containsKey(key);
    }

    @Override
    public int size() {
      return steps.get().size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return steps.get().values().stream()
          .map(st -> Map.entry(st.id(), (Object) view(st)))
          .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    private static Map<String, Object> view(StepState st) {
      Map<String, Object> v = new HashMap<>(8);
      v.put("status", st.status().name());
      v.put("output", st.output());
      v.put("attempts", (long) st.attempt());
      v.put("error", st.error() == null ? null : Run.errorData(st.error()));
      return v;
    }
  }
}
