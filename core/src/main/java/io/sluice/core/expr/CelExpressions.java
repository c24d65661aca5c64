package io.sluice.core.expr;

import com.google.protobuf.ByteString;
import com.google.protobuf.NullValue;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerBuilder;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.sluice.core.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CEL environment: a fixed set of declared variables (all dynamically typed JSON values), the
 * standard macros ({@code has}, {@code exists}, {@code all}, {@code map}, {@code filter}),
 * heterogeneous numeric comparisons ({@code 1.5 > 1}), and a bound on comprehension iterations so
 * every expression's cost is bounded. Compiled programs are cached by source text.
 *
 * <p>Thread-safe. Building an environment costs about a second the first time in a JVM (CEL loads
 * its standard library), so share one per variable set.
 */
public final class CelExpressions {
  /** Variables of workflow expressions (SPEC §2). */
  public static final Set<String> WORKFLOW_VARIABLES =
      Set.of("input", "event", "steps", "instance", "item", "index", "error", "schedule");

  private static final int MAX_ITERATIONS = 10_000;
  private static final int CACHE_LIMIT = 50_000;

  private final CelCompiler compiler;
  private final CelRuntime runtime;
  private final Set<String> variables;
  private final Map<String, Compiled> cache = new ConcurrentHashMap<>();

  public CelExpressions(Set<String> variables) {
    this.variables = Set.copyOf(variables);
    CelOptions options =
        CelOptions.current()
            .enableHeterogeneousNumericComparisons(true)
            .comprehensionMaxIterations(MAX_ITERATIONS)
            .build();
    CelCompilerBuilder builder =
        CelCompilerFactory.standardCelCompilerBuilder()
            .setOptions(options)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addLibraries(
                CelExtensions.strings(), CelExtensions.math(options), CelExtensions.encoders());
    for (String name : this.variables) {
      builder.addVar(name, SimpleType.DYN);
    }
    this.compiler = builder.build();
    this.runtime =
        CelRuntimeFactory.standardCelRuntimeBuilder()
            .setOptions(options)
            .addLibraries(
                CelExtensions.strings(), CelExtensions.math(options), CelExtensions.encoders())
            .build();
  }

  private static final class Holder {
    static final CelExpressions WORKFLOW = new CelExpressions(WORKFLOW_VARIABLES);
  }

  /** The shared environment for workflow definitions. */
  public static CelExpressions workflow() {
    return Holder.WORKFLOW;
  }

  public Set<String> variables() {
    return variables;
  }

  /** Compiles (or returns the cached program); throws {@link ExpressionException} if invalid. */
  public Expression compile(String source) {
    Compiled cached = cache.get(source);
    if (cached != null) {
      return cached;
    }
    Compiled compiled = doCompile(source);
    if (cache.size() < CACHE_LIMIT) {
      cache.put(source, compiled);
    }
    return compiled;
  }

  private Compiled doCompile(String source) {
    if (source == null || source.isBlank()) {
      throw new ExpressionException(
          String.valueOf(source), "expected an expression, but it is empty");
    }
    CelValidationResult result = compiler.compile(source);
    if (result.hasError()) {
      throw new ExpressionException(source, firstLines(result.getErrorString()));
    }
    try {
      CelAbstractSyntaxTree ast = result.getAst();
      return new Compiled(
          source, runtime.createProgram(ast), DirectCel.compile(ast.getExpr(), variables));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new ExpressionException(source, firstLines(e.getMessage()));
    }
  }

  /**
   * For tests: the expression's value from CEL's interpreter alone, and from {@link DirectCel}
   * alone ({@link DirectCel#UNDECIDED} when it leaves the expression to CEL, null as the second
   * element when the expression is outside its subset).
   */
  static Object[] bothWays(Expression expression, Map<String, Object> vars) {
    Compiled c = (Compiled) expression;
    Object direct = c.direct == null ? null : c.direct.eval(vars);
    Object cel;
    try {
      cel = c.evaluateWithCel(vars);
    } catch (ExpressionException e) {
      cel = e;
    }
    return new Object[] {cel, c.direct == null ? null : direct, c.direct != null};
  }

  private static String firstLines(String message) {
    if (message == null) {
      return "invalid expression";
    }
    // CEL reports "ERROR: <input>:1:5: message\n | source\n | ....^" -- keep the messages only.
    List<String> kept = new ArrayList<>();
    for (String line : message.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("|") || trimmed.isEmpty()) {
        continue;
      }
      kept.add(trimmed.replace("ERROR: <input>:", "at "));
    }
    return String.join("; ", kept);
  }

  /**
   * @param direct the expression for {@link DirectCel}, or null when it is outside that subset
   */
  private record Compiled(String source, CelRuntime.Program program, DirectCel.Node direct)
      implements Expression {
    @Override
    public Object evaluate(Map<String, Object> vars) {
      if (direct != null) {
        Object value = direct.eval(vars);
        if (value != DirectCel.UNDECIDED) {
          return value;
        }
      }
      return evaluateWithCel(vars);
    }

    /** CEL's interpreter alone: the reference {@link DirectCel} is tested against. */
    Object evaluateWithCel(Map<String, Object> vars) {
      try {
        return fromCel(program.eval(name -> java.util.Optional.ofNullable(toCel(vars.get(name)))));
      } catch (CelEvaluationException e) {
        throw new ExpressionException(source, reason(e));
      } catch (RuntimeException e) {
        throw new ExpressionException(source, e.getClass().getSimpleName() + ": " + e.getMessage());
      }
    }

    private static String reason(CelEvaluationException e) {
      String message = e.getMessage() == null ? "evaluation failed" : e.getMessage();
      // "evaluation error at <input>:7: key 'x' is not present in map." -> keep the reason
      int colon = message.indexOf(": ");
      if (message.startsWith("evaluation error") && colon > 0) {
        message = message.substring(colon + 2);
      }
      return message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }
  }

  /**
   * JSON values into CEL: null becomes CEL null, Integer becomes Long. Maps and lists are wrapped,
   * not copied: an entry or element is converted when CEL reads it, so an expression pays for what
   * it reads ({@code event.data.total}), not for the whole tree of its variables.
   */
  static Object toCel(Object value) {
    if (value == null) {
      return NullValue.NULL_VALUE;
    }
    if (value instanceof ConvertingView || value instanceof ConvertingList) {
      return value;
    }
    if (value instanceof Map<?, ?> map) {
      return new ConvertingView(map);
    }
    if (value instanceof List<?> list) {
      return new ConvertingList(list);
    }
    if (value instanceof Integer i) {
      return i.longValue();
    }
    return value;
  }

  /** A JSON list as CEL reads it: each element converted when it is read. */
  private static final class ConvertingList extends java.util.AbstractList<Object>
      implements java.util.RandomAccess {
    private final List<?> list;

    ConvertingList(List<?> list) {
      this.list = list;
    }

    @Override
    public Object get(int index) {
      return toCel(list.get(index));
    }

    @Override
    public int size() {
      return list.size();
    }
  }

  /**
   * A map as CEL reads it: each entry converted when read. A map whose entries are computed on
   * access (the workflow's {@code steps}) is then only computed for the entries an expression
   * names.
   */
  private static final class ConvertingView extends java.util.AbstractMap<Object, Object> {
    private final Map<?, ?> lazy;

    ConvertingView(Map<?, ?> lazy) {
      this.lazy = lazy;
    }

    @Override
    public Object get(Object key) {
      Object value = lazy.get(key);
      if (value == null) {
        return lazy.containsKey(key) ? NullValue.NULL_VALUE : null;
      }
      return toCel(value);
    }

    @Override
    public boolean containsKey(Object key) {
      return lazy.containsKey(key);
    }

    @Override
    public int size() {
      return lazy.size();
    }

    @Override
    public java.util.Set<Entry<Object, Object>> entrySet() {
      java.util.Set<Entry<Object, Object>> out = new java.util.LinkedHashSet<>();
      lazy.forEach(
          (k, v) -> out.add(new java.util.AbstractMap.SimpleImmutableEntry<>(k, toCel(v))));
      return out;
    }
  }

  /** CEL values back into normalized JSON values. */
  static Object fromCel(Object value) {
    if (value == null
        || value instanceof NullValue
        || value instanceof dev.cel.common.values.NullValue) { // CEL's own null literal
      return null;
    }
    if (value instanceof String
        || value instanceof Boolean
        || value instanceof Long
        || value instanceof Double) {
      return value;
    }
    if (value instanceof com.google.common.primitives.UnsignedLong u) {
      return u.longValue();
    }
    if (value instanceof ByteString bytes) {
      return java.util.Base64.getEncoder().encodeToString(bytes.toByteArray());
    }
    if (value instanceof com.google.protobuf.Timestamp ts) {
      return Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos()).toString();
    }
    if (value instanceof com.google.protobuf.Duration d) {
      return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()).toString();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>(map.size() * 2);
      map.forEach((k, v) -> out.put(String.valueOf(fromCel(k)), fromCel(v)));
      return out;
    }
    if (value instanceof Collection<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      list.forEach(v -> out.add(fromCel(v)));
      return out;
    }
    return Json.normalize(value);
  }
}
