package io.sluice.core.expr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link DirectCel} against CEL's interpreter: on generated expressions and values, whenever it
 * answers, CEL gives the same value (not an error); {@link Expression#evaluate} then gives what CEL
 * alone gives, errors included.
 */
class DirectCelTest {
  private static final CelExpressions CEL = CelExpressions.workflow();
  private static final String[] PATHS = {
    "input.a",
    "input.b.c",
    "input.l",
    "input.m",
    "input.s",
    "input.n",
    "input.i",
    "input.d",
    "input.missing",
    "input.b.missing",
    "input.l[0]",
    "input.l[5]",
    "input.m['k']",
    "input.m['q']",
    "event.data.total",
    "event.data.region",
    "event.data.qty",
    "event.data.tags",
    "item",
    "index",
    "steps.a.output",
    "steps.a.status",
    "input.i2"
  };
  private static final String[] CONSTANTS = {
    "0",
    "1",
    "-1",
    "2",
    "3",
    "9007199254740993",
    "9223372036854775807",
    "0.0",
    "-0.0",
    "1.0",
    "1.5",
    "2.5",
    "500.0",
    "''",
    "'a'",
    "'eu'",
    "'EU'",
    "'x𝄞'",
    "true",
    "false",
    "null",
    "['eu', 'us', 1, 1.0, null]",
    "[1, 2, 3]",
    "['a']"
  };
  private static final String[] BINARY = {
    "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%", "&&", "||"
  };

  @Test
  void whereItAnswersCelAgreesAndEvaluateIsCel() {
    Random random = new Random(42);
    List<Map<String, Object>> varSets = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      varSets.add(vars(random));
    }
    int compiled = 0;
    int direct = 0;
    int decided = 0;
    int evaluations = 0;
    int staleDispatch = 0;
    for (int n = 0; n < 8_000; n++) {
      String source = expression(random, 3);
      Expression expression;
      try {
        expression = CEL.compile(source);
      } catch (ExpressionException invalid) {
        continue;
      }
      compiled++;
      for (Map<String, Object> vars : varSets) {
        evaluations++;
        Object[] both = CelExpressions.bothWays(expression, vars);
        Object cel = both[0];
        if (both[1] != null
            && both[1] != DirectCel.UNDECIDED
            && cel instanceof ExpressionException
            && Objects.equals(both[1], fresh(source, vars))) {
          // cel-java 0.14 (found by this test): after other expressions of the environment,
          // e.g. -(input.m['k']) on a double fails with "no matching overload" where a fresh
          // environment gives the value; count it, and hold DirectCel to the fresh answer
          staleDispatch++;
          continue;
        }
        if ((Boolean) both[2]) {
          direct++;
          if (both[1] != DirectCel.UNDECIDED) {
            decided++;
            assertThat(cel instanceof ExpressionException)
                .as(
                    "%s on %s: CEL failed (%s) where DirectCel answered %s",
                    source, vars, cel, both[1])
                .isFalse();
            assertThat(Objects.equals(both[1], cel))
                .as("%s on %s: DirectCel %s, CEL %s", source, vars, both[1], cel)
                .isTrue();
          }
        }
        if (cel instanceof ExpressionException e) {
          assertThatThrownBy(() -> expression.evaluate(vars))
              .as(source)
              .isInstanceOf(ExpressionException.class)
              .hasMessage(e.getMessage());
        } else {
          assertThat(Objects.equals(expression.evaluate(vars), cel)).as(source).isTrue();
        }
      }
    }
    // the generator must reach the fast path, or this test shows nothing
    assertThat(compiled).isGreaterThan(3_000);
    assertThat(direct).isGreaterThan(evaluations / 2);
    assertThat(decided).isGreaterThan(evaluations / 5);
    assertThat(staleDispatch).isLessThan(decided / 100);
  }

  /** The value (or error) of the expression in an environment that evaluated nothing else. */
  private static Object fresh(String source, Map<String, Object> vars) {
    try {
      return new CelExpressions(CelExpressions.WORKFLOW_VARIABLES).compile(source).evaluate(vars);
    } catch (ExpressionException e) {
      return e;
    }
  }

  @Test
  void typicalGuardsAreAnsweredDirectly() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("total", 612.5);
    data.put("region", "eu");
    data.put("qty", 4L);
    data.put("coupon", null);
    Map<String, Object> vars = Map.of("event", Map.of("data", data, "subject", "orders/1/eu"));
    for (String source :
        List.of(
            "event.data.total > 500.0",
            "event.data.region in ['eu', 'us', 'EU']",
            "has(event.data.coupon)",
            "event.data.qty % 2 == 0",
            "event.subject.startsWith('orders/') && event.data.qty >= 2",
            "size(event.data.region) == 2 ? event.data.total * 2.0 : 0.0")) {
      Object[] both = CelExpressions.bothWays(CEL.compile(source), vars);
      assertThat(both[1]).as(source).isEqualTo(both[0]).isNotEqualTo(DirectCel.UNDECIDED);
    }
  }

  private static Map<String, Object> vars(Random r) {
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("a", scalar(r));
    Map<String, Object> b = new LinkedHashMap<>();
    b.put("c", scalar(r));
    input.put("b", r.nextInt(5) == 0 ? scalar(r) : b);
    List<Object> l = new ArrayList<>();
    for (int i = 0; i < r.nextInt(4); i++) {
      l.add(r.nextInt(6) == 0 ? new LinkedHashMap<>(Map.of("k", 1L)) : scalar(r));
    }
    input.put("l", l);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("k", scalar(r));
    input.put("m", m);
    input.put("s", pick(r, "eu", "EU", "", "a", "x𝄞", "orders/1/eu"));
    input.put("n", null);
    input.put("i", pick(r, 0L, 1L, 2L, -3L, 9007199254740993L, Long.MAX_VALUE, Long.MIN_VALUE));
    input.put("i2", 7); // an Integer, as CEL gets it converted
    input.put("d", pick(r, 0.0, -0.0, 1.0, 1.5, Double.NaN, 1e300, 9007199254740992.0));
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("total", pick(r, 12.5, 612.5, 500.0, 500L));
    data.put("region", pick(r, "eu", "US", "apac"));
    data.put("qty", pick(r, 0L, 3L, 4L));
    data.put("tags", new ArrayList<>(List.of("vip", "b2b")));
    if (r.nextBoolean()) {
      data.put("coupon", r.nextBoolean() ? null : "C-1");
    }
    Map<String, Object> vars = new HashMap<>();
    vars.put("input", input);
    vars.put("event", Map.of("data", data));
    vars.put("item", scalar(r));
    vars.put("index", (long) r.nextInt(3));
    Map<String, Object> step = new HashMap<>();
    step.put("output", scalar(r));
    step.put("status", "COMPLETED");
    vars.put("steps", Map.of("a", step));
    return vars;
  }

  private static Object scalar(Random r) {
    return pick(r, null, true, false, 0L, 1L, -1L, 2L, 1.0, 0.5, Double.NaN, "", "a", "eu", "1");
  }

  @SafeVarargs
  private static <T> T pick(Random r, T... values) {
    return values[r.nextInt(values.length)];
  }

  private static String expression(Random r, int depth) {
    int roll = r.nextInt(20);
    int choice =
        depth == 0 ? (roll < 11 ? 0 : 1) : roll < 3 ? 0 : roll < 5 ? 1 : roll < 11 ? roll - 3 : 8;
    switch (choice) {
      case 0:
        return PATHS[r.nextInt(PATHS.length)];
      case 1:
        return CONSTANTS[r.nextInt(CONSTANTS.length)];
      case 2:
        return "!(" + expression(r, depth - 1) + ")";
      case 3:
        return "-(" + expression(r, depth - 1) + ")";
      case 4:
        return "has("
            + pick(r, "input.a", "input.b.c", "input.missing", "event.data.coupon", "input.n.x")
            + ")";
      case 5:
        return pick(r, "size(", "string(", "int(") + expression(r, depth - 1) + ")";
      case 6:
        return "("
            + expression(r, depth - 1)
            + ")."
            + pick(r, "startsWith", "endsWith", "contains")
            + "("
            + expression(r, depth - 1)
            + ")";
      case 7:
        return "("
            + expression(r, depth - 1)
            + " ? "
            + expression(r, depth - 1)
            + " : "
            + expression(r, depth - 1)
            + ")";
      default:
        return "("
            + expression(r, depth - 1)
            + " "
            + BINARY[r.nextInt(BINARY.length)]
            + " "
            + expression(r, depth - 1)
            + ")";
    }
  }
}
