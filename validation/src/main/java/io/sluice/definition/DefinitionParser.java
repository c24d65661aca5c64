package io.sluice.definition;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.Template;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns a workflow definition document (SPEC §2) into a {@link WorkflowDefinition}, or refuses it
 * with every problem found: first structurally against {@code
 * schemas/workflow-definition.schema.json}, then semantically (step references, cycles, step types,
 * expressions, durations, the parameters of built-in steps). See docs/definitions.md.
 *
 * <p>Thread-safe and cheap to share: the schema is compiled once per JVM and expressions are cached
 * by the {@link CelExpressions} environment.
 */
public final class DefinitionParser {
  /** The step types the engine implements now. */
  public static final Set<String> BUILT_IN_TYPES =
      Set.of(
          "transform",
          "http",
          "emit",
          "delay",
          "waitForEvent",
          "manual",
          "task",
          "workflow",
          "forEach");

  static final String INVALID = "the workflow definition is invalid";

  private static final ObjectMapper JSON = strict(Json.mapper(Json.DEFAULT_MAX_DEPTH));
  private static final ObjectMapper YAML = strict(yamlMapper());

  private final CelExpressions env;
  private final Predicate<String> knownStepType;

  /**
   * @param env the expression environment (normally {@link CelExpressions#workflow()})
   * @param knownStepType whether a step type can be run (built-ins and plugged-in types)
   */
  public DefinitionParser(CelExpressions env, Predicate<String> knownStepType) {
    this(env, knownStepType, (pattern, pointer) -> List.of());
  }

  /**
   * @param patternCheck the problems of an event trigger's {@code match} pattern (the pattern
   *     language belongs to the router, which this module cannot depend on)
   */
  public DefinitionParser(
      CelExpressions env, Predicate<String> knownStepType, PatternCheck patternCheck) {
    this.env = Objects.requireNonNull(env, "env");
    this.knownStepType = Objects.requireNonNull(knownStepType, "knownStepType");
    this.patternCheck = Objects.requireNonNull(patternCheck, "patternCheck");
  }

  /** Checks an EventBridge-style pattern; returns every problem, with pointers under pointer. */
  @FunctionalInterface
  public interface PatternCheck {
    List<Problem> check(Object pattern, String pointer);
  }

  private final PatternCheck patternCheck;

  /**
   * Parses JSON text, or YAML when {@code yaml} is true, then validates and compiles it like {@link
   * #parse(Map)}. Text that is not well-formed (including duplicate keys and nesting deeper than
   * 64) is refused as {@code MALFORMED} with one problem at pointer {@code ""} that gives the line
   * and column.
   */
  public WorkflowDefinition parse(String text, boolean yaml) {
    Object value;
    try {
      value = Json.normalize((yaml ? YAML : JSON).readValue(text, Object.class));
    } catch (IOException e) {
      String where = yaml ? "YAML" : "JSON";
      String reason = text.isBlank() ? "the text is empty" : describe(e);
      throw new ProblemException(
          ProblemException.Kind.MALFORMED,
          "the workflow definition is not well-formed " + where,
          List.of(Problem.at("", "expected well-formed " + where + ", but " + reason)));
    }
    if (!(value instanceof Map<?, ?>)) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE,
          INVALID,
          List.of(
              Problem.at(
                  "", "expected a workflow definition object, but got " + Json.typeName(value))));
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> document = (Map<String, Object>) value;
    return parse(document);
  }

  /**
   * Validates a document structurally then semantically and compiles it (version 0; the store
   * numbers versions). Throws {@code ProblemException(UNPROCESSABLE)} listing every problem.
   */
  public WorkflowDefinition parse(Map<String, Object> document) {
    Objects.requireNonNull(document, "document");
    @SuppressWarnings("unchecked")
    Map<String, Object> normalized = (Map<String, Object>) Json.normalize(document);
    List<Problem> structural = DefinitionSchema.validate(normalized);
    Compilation c = new Compilation(env, knownStepType);
    DocNode root = DocNode.root(normalized);

    List<TriggerDef> triggers = TriggerCompiler.compileAll(root.get("triggers"), c);
    Object inputSchema = inputSchema(root.get("input").get("schema"), c);
    List<StepDef> steps = StepCompiler.compileAll(root.get("steps"), c);
    List<StepDef> onFailure = StepCompiler.compileAll(root.get("onFailure"), c);
    StepGraph.check(root.get("steps"), root.get("onFailure"), c);
    Duration timeout = TimeValues.positive(root.get("timeout"), c);
    Template output = c.template(root.get("output"));
    RateLimit rateLimit = rateLimit(root.get("rateLimit"), c);

    List<Problem> patterns = new java.util.ArrayList<>();
    if (normalized.get("triggers") instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        if (list.get(i) instanceof Map<?, ?> t
            && t.get("event") instanceof Map<?, ?> e
            && e.get("match") != null) {
          patterns.addAll(patternCheck.check(e.get("match"), "/triggers/" + i + "/event/match"));
        }
      }
    }
    List<Problem> problems = merge(merge(structural, c.problems()), patterns);
    if (!problems.isEmpty()) {
      throw new ProblemException(ProblemException.Kind.UNPROCESSABLE, INVALID, problems);
    }
    String id = root.get("id").asString();
    String name = root.get("name").asString();
    return new WorkflowDefinition(
        id,
        name == null ? id : name,
        0,
        triggers,
        inputSchema,
        steps,
        onFailure,
        timeout,
        output,
        rateLimit,
        normalized);
  }

  /** {@code rateLimit}: its members are typed by the schema; null when absent or incomplete. */
  private static RateLimit rateLimit(DocNode node, Compilation c) {
    if (!node.isObject()) {
      return null;
    }
    Long limit = node.get("limit").asWholeNumber();
    Duration period = TimeValues.positive(node.get("period"), c);
    DocNode key = node.get("key");
    Template keyTemplate = key.isString() ? c.template(key) : null;
    if (limit == null || period == null) {
      return null;
    }
    return new RateLimit(limit.intValue(), period, keyTemplate);
  }

  private static Object inputSchema(DocNode schema, Compilation c) {
    if (!schema.isObject() && !(schema.value() instanceof Boolean)) {
      return null;
    }
    DefinitionSchema.validateJsonSchema(schema.value(), schema.pointer())
        .forEach(p -> c.add(p.pointer(), p.message()));
    return schema.value();
  }

  /**
   * All problems ordered by where they are. The schema types durations, expressions, cron and step
   * types only as strings, so a value is never reported twice (structurally and again
   * semantically); only exact repeats are dropped.
   */
  private static List<Problem> merge(List<Problem> structural, List<Problem> semantic) {
    List<Problem> all = new ArrayList<>(structural);
    for (Problem p : semantic) {
      if (!all.contains(p)) {
        all.add(p);
      }
    }
    all.sort(PointerOrder.INSTANCE);
    return all;
  }

  private static ObjectMapper strict(ObjectMapper mapper) {
    return mapper.copy().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  }

  private static ObjectMapper yamlMapper() {
    LoaderOptions options = new LoaderOptions();
    options.setNestingDepthLimit(Json.DEFAULT_MAX_DEPTH);
    options.setMaxAliasesForCollections(20);
    options.setAllowDuplicateKeys(false);
    YAMLFactory factory =
        YAMLFactory.builder()
            .loaderOptions(options)
            .streamReadConstraints(
                StreamReadConstraints.builder().maxNestingDepth(Json.DEFAULT_MAX_DEPTH).build())
            .build();
    return YAMLMapper.builder(factory).build();
  }

  /** The parser's reason with its line and column, without the parser's source excerpt. */
  private static String describe(IOException e) {
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      return decapitalize(yaml.getProblem())
          + " (line "
          + (yaml.getProblemMark().getLine() + 1)
          + ", column "
          + (yaml.getProblemMark().getColumn() + 1)
          + ")";
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = message.indexOf("\n at [Source");
    String reason = (cut > 0 ? message.substring(0, cut) : message).replaceAll("\\s+", " ").trim();
    if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
      reason +=
          " (line "
              + jpe.getLocation().getLineNr()
              + ", column "
              + jpe.getLocation().getColumnNr()
              + ")";
    }
    return decapitalize(reason);
  }

  private static String decapitalize(String text) {
    return text == null || text.isEmpty()
        ? "it cannot be read"
        : Character.toLowerCase(text.charAt(0)) + text.substring(1);
  }
}
