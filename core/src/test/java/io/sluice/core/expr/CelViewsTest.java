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

/**
 * Variables reach CEL as views converted entry by entry: a map computed on access (the steps) is
 * read only where an expression looks, and JSON maps and lists behave as CEL values.
 */
class CelViewsTest {
  /** Two steps; counts the entries read through get. */
  private static final class Steps extends AbstractMap<String, Object> {
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
  void aNullLiteralComesBackAsJsonNull() {
    // CEL's own null literal is a different class from the null a JSON value becomes
    assertThat(eval("null", new Steps())).isNull();
    assertThat(eval("has(steps.c) ? steps.c : null", new Steps())).isNull();
    assertThat(eval("{'a': null, 'b': [null, steps.a.error]}", new Steps()))
        .isEqualTo(mapOf("a", null, "b", java.util.Arrays.asList(null, null)));
  }

  @Test
  void aMissingStepIsAnErrorNamingTheKey() {
    assertThatThrownBy(() -> eval("steps.c.output", new Steps()))
        .isInstanceOf(ExpressionException.class)
        .hasMessageContaining("c");
  }

  @Test
  void plainJsonMapsAndListsWithNullsAndIntegersBehaveAsCelValues() {
    Map<String, Object> input = new HashMap<>();
    input.put("items", List.of(mapOf("sku", "a", "qty", 2), mapOf("sku", "b", "qty", 3L)));
    input.put("tags", java.util.Arrays.asList("x", null, "y"));
    input.put("none", null);
    input.put("n", 7);
    Map<String, Object> vars = Map.of("input", input, "steps", Map.of());

    Object[][] cases = {
      {"size(input.items) == 2 && input.items[1].sku == 'b'", true},
      {"input.items.exists(i, i.qty > 2)", true},
      {"'y' in input.tags", true},
      {"size(input.tags) == 3", true},
      {"input.none == null && has(input.none) && !has(input.gone)", true},
      {"input.n + 1", 8L},
      {"input.items[0] == {'sku': 'a', 'qty': 2}", true},
      {"input.tags == ['x', null, 'y']", true},
      {"input.items.filter(i, i.qty == 3).map(i, i.sku)", List.of("b")},
      {"[input.n] + [1]", List.of(7L, 1L)},
    };
    for (Object[] c : cases) {
      String expression = (String) c[0];
      assertThat(cel.compile(expression).evaluate(vars)).as(expression).isEqualTo(c[1]);
    }
    assertThat(cel.compile("input").evaluate(vars)).isEqualTo(normalized(input));
  }

  private static Map<String, Object> normalized(Map<String, Object> input) {
    Map<String, Object> out = new HashMap<>(input);
    out.put("n", 7L);
    out.put("items", List.of(mapOf("sku", "a", "qty", 2L), mapOf("sku", "b", "qty", 3L)));
    return out;
  }

  private static Map<String, Object> mapOf(Object... kv) {
    Map<String, Object> out = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      out.put((String) kv[i], kv[i + 1]);
    }
    return out;
  }
}
