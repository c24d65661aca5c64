package io.sluice.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.core.expr.CelExpressions;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The table of definition cases in {@code src/test/resources/definitions}: every file of {@code
 * valid/} must parse; every file of {@code invalid/} holds a definition and EXACTLY the problems it
 * must be refused with (each pointer, and a part of each message).
 */
class DefinitionFixturesTest {
  /** The built-ins, plus waitForEvent, which the example of SPEC §2 uses. */
  private final DefinitionParser parser =
      new DefinitionParser(
          CelExpressions.workflow(),
          type -> DefinitionParser.BUILT_IN_TYPES.contains(type) || type.equals("waitForEvent"));

  static Stream<Named<Path>> valid() throws IOException, URISyntaxException {
    return fixtures("valid");
  }

  static Stream<Named<Path>> invalid() throws IOException, URISyntaxException {
    return fixtures("invalid");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void aValidDefinitionParsesIntoItsCompiledForm(Path file) throws IOException {
    // given
    Map<String, Object> document = Json.parseObject(Files.readString(file));

    // when
    WorkflowDefinition definition = parser.parse(document);

    // then
    assertThat(definition.id()).isEqualTo(document.get("id"));
    assertThat(definition.version()).isZero();
    assertThat(definition.source()).isEqualTo(document);
    assertThat(definition.steps()).hasSize(((List<?>) document.get("steps")).size());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  @SuppressWarnings("unchecked")
  void anInvalidDefinitionIsRefusedWithExactlyTheExpectedProblems(Path file) throws IOException {
    // given
    Map<String, Object> fixture = Json.parseObject(Files.readString(file));
    Map<String, Object> definition = (Map<String, Object>) fixture.get("definition");
    List<Map<String, Object>> expected = (List<Map<String, Object>>) fixture.get("expect");

    // when / then
    assertThatThrownBy(() -> parser.parse(definition))
        .isInstanceOfSatisfying(
            ProblemException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(ProblemException.Kind.UNPROCESSABLE);
              assertThat(e.getMessage()).isEqualTo("the workflow definition is invalid");
              assertMatches(e.problems(), expected);
            });
  }

  /** Each expected row matches one problem (same pointer, message contains), and none is left. */
  private static void assertMatches(List<Problem> actual, List<Map<String, Object>> expected) {
    List<Problem> unmatched = new ArrayList<>(actual);
    List<String> missing = new ArrayList<>();
    for (Map<String, Object> row : expected) {
      String pointer = (String) row.get("pointer");
      String part = (String) row.get("messageContains");
      Problem match =
          unmatched.stream()
              .filter(p -> p.pointer().equals(pointer) && p.message().contains(part))
              .findFirst()
              .orElse(null);
      if (match == null) {
        missing.add(pointer + " ~ " + part);
      } else {
        unmatched.remove(match);
      }
    }
    assertThat(missing).as("expected problems not reported; all reported: %s", actual).isEmpty();
    assertThat(unmatched).as("problems reported but not expected").isEmpty();
  }

  private static Stream<Named<Path>> fixtures(String folder)
      throws IOException, URISyntaxException {
    Path dir = Path.of(DefinitionFixturesTest.class.getResource("/definitions/" + folder).toURI());
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> sorted = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
      assertThat(sorted).isNotEmpty();
      return sorted.stream().map(f -> Named.of(f.getFileName().toString(), f));
    }
  }
}
