package io.sluice.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.json.Json;
import io.sluice.core.problem.ProblemException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Garbage in, problems out: every value of the valid fixtures is replaced, one at a time, by values
 * of every other JSON type (and every member is removed), and the parser must answer with a
 * definition or a ProblemException listing problems, never with any other exception.
 */
class DefinitionGarbageTest {
  private static final List<Object> GARBAGE =
      Arrays.asList(
          null,
          7L,
          -1L,
          2.5,
          "",
          "garbage ${",
          true,
          List.of(),
          List.of(1L, "x", Map.of()),
          Map.of(),
          Map.of("id", 1L, "needs", "x"));

  private final DefinitionParser parser =
      new DefinitionParser(CelExpressions.workflow(), DefinitionParser.BUILT_IN_TYPES::contains);

  @ParameterizedTest
  @ValueSource(strings = {"valid/spec-example.json", "valid/every-option.json"})
  void anyValueOfTheWrongTypeIsReportedAndNeverCrashesTheParser(String name) {
    // given
    Map<String, Object> document = Json.parseObject(DefinitionParserTest.fixture(name));
    List<List<Object>> paths = new ArrayList<>();
    collectPaths(document, new ArrayList<>(), paths);
    int refused = 0;

    // when / then
    for (List<Object> path : paths) {
      for (Object garbage : GARBAGE) {
        refused += tryParse(replace(document, path, 0, old -> garbage), path + " = " + garbage);
      }
      if (!path.isEmpty() && path.get(path.size() - 1) instanceof String) {
        refused += tryParse(replace(document, path, 0, old -> REMOVED), path + " removed");
      }
    }
    assertThat(paths).hasSizeGreaterThan(50);
    assertThat(refused).as("most mutations are refused").isGreaterThan(paths.size());
  }

  private int tryParse(Object mutated, String what) {
    if (!(mutated instanceof Map<?, ?>)) {
      return 0;
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> document = (Map<String, Object>) mutated;
    try {
      parser.parse(document);
      return 0;
    } catch (ProblemException e) {
      assertThat(e.problems()).as(what).isNotEmpty();
      return 1;
    } catch (RuntimeException e) {
      fail("parsing with " + what + " threw " + e, e);
      return 0;
    }
  }

  private static final Object REMOVED = new Object();

  private static void collectPaths(Object value, List<Object> path, List<List<Object>> out) {
    out.add(List.copyOf(path));
    if (value instanceof Map<?, ?> map) {
      map.forEach(
          (k, v) -> {
            path.add(k);
            collectPaths(v, path, out);
            path.remove(path.size() - 1);
          });
    } else if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        path.add(i);
        collectPaths(list.get(i), path, out);
        path.remove(path.size() - 1);
      }
    }
  }

  /** A copy of value with the node at path replaced (or removed, for REMOVED). */
  private static Object replace(
      Object value, List<Object> path, int depth, UnaryOperator<Object> f) {
    if (depth == path.size()) {
      return f.apply(value);
    }
    Object token = path.get(depth);
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put((String) k, v));
      Object replaced = replace(map.get(token), path, depth + 1, f);
      if (replaced == REMOVED) {
        copy.remove(token);
      } else {
        copy.put((String) token, replaced);
      }
      return copy;
    }
    List<Object> copy = new ArrayList<>((List<?>) value);
    Object replaced = replace(copy.get((Integer) token), path, depth + 1, f);
    copy.set((Integer) token, replaced == REMOVED ? null : replaced);
    return copy;
  }
}
