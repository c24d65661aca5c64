package io.sluice.core.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A {@link CelExpressions.LazyMap} variable reads like a map in CEL, one entry at a time. */
class LazyMapTest {
  /** Two steps; counts the entries read through get. */
  private static final class Steps extends AbstractMap<String, Object>
      implements CelExpressions.LazyMap {
    final List<Object> read = new ArrayList<>();
    private final Map<String, Object> backing = new LinkedHashMap<>();

    Steps() {
      Map<String, Object> a = new HashMap<>();
      a.put("status", "COMPLETED");
      a.put("output", Map.of("n", 41L));
      a.put("error", null);
      backing.put("a", a);
      Map<String, Object> b = new HashMap<>();
      b.put("status", "FAILED");
      b.put("output", null);
      b.put("error", Map.of("code", "http.5xx"));
      backing.put("b", b);
    }

    @Override
    public Object get(Object key) {
      read.add(key);
      return backing.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
      return backing.containsKey(key);
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      return backing.entrySet();
    }
  }

  private final CelExpressions cel = CelExpressions.workflow();

  private Object eval(String expression, Steps steps) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("steps", steps);
    vars.put("input", Map.of());
    return cel.compile(expression).evaluate(vars);
  }

  @Test
  void anExpressionReadsOnlyTheStepsItNames() {
    Steps steps = new Steps();

    assertThat(eval("steps.a.output.n + 1", steps)).isEqualTo(42L);
    assertThat(steps.read).containsExactly("a");
  }

  @Test
  void nullsPresenceSizeAndIterationWorkAsOnAPlainMap() {
    assertThat(eval("steps.a.error == null", new Steps())).isEqualTo(true);
    assertThat(eval("steps.b.output == null && steps.b.status == 'FAILED'", new Steps()))
        .isEqualTo(true);
    assertThat(eval("has(steps.a) && !has(steps.c) && 'b' in steps", new Steps())).isEqualTo(true);
    assertThat(eval("size(steps)", new Steps())).isEqualTo(2L);
    assertThat(eval("steps.exists(k, steps[k].status == 'FAILED')", new Steps())).isEqualTo(true);
    assertThat(eval("steps.a", new Steps()))
        .isEqualTo(mapOf("status", "COMPLETED", "output", Map.of("n", 41L), "error", null));
  }

  @Test
  void aMissingStepIsAnErrorNamingTheKey() {
    assertThatThrownBy(() -> eval("steps.c.output", new Steps()))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("c");
  }

  private static Map<String, Object> mapOf(Object... kv) {
    Map<String, Object> out = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      out.put((String) kv[i], kv[i + 1]);
    }
    return out;
  }
}
