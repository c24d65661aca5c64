package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import java.util.List;
import java.util.Map;

/**
 * An EventBridge-style content pattern, compiled: a predicate over an event in its structured form
 * ({@link CloudEvent#toMap()}: attributes and extensions at the top level, the payload under {@code
 * data}).
 *
 * <p>Semantics (Amazon EventBridge content filtering, see {@code docs/router.md}): the fields of an
 * object are ANDed; a leaf is an array of alternatives, ORed: exact strings, numbers (by value:
 * {@code 300} equals {@code 300.0}), booleans and {@code null}; {@code prefix}, {@code suffix},
 * {@code equals-ignore-case}, {@code wildcard}, {@code anything-but}, {@code numeric}, {@code
 * exists}; {@code $or} takes alternative objects. A field whose value in the event is an array
 * matches when any element matches; a nested object over an array of objects matches when one
 * element matches it as a whole.
 *
 * <p>Immutable and thread-safe: compile once, match from any number of threads.
 */
public final class EventPattern {
  private final Object source;
  private final ObjectMatcher root;
  private final List<NecessaryCondition> conditions; // for PatternIndex: found once, used often
  private volatile CompactPatterns compact; // for matches(CloudEvent), built on its first call

  private EventPattern(Object source, ObjectMatcher root) {
    this.source = source;
    this.root = root;
    this.conditions = NecessaryCondition.of(root);
  }

  /**
   * Compiles a pattern (a normalized JSON object, see {@link Json}).
   *
   * @throws ProblemException (unprocessable) with every problem, each at a JSON Pointer into the
   *     pattern
   */
  public static EventPattern compile(Object pattern) {
    return compile(pattern, "");
  }

  /**
   * {@link #compile(Object)}, with every problem's pointer prefixed by {@code basePointer} (where
   * the pattern sits in its document, e.g. {@code /triggers/0/event/match}).
   */
  public static EventPattern compile(Object pattern, String basePointer) {
    PatternCompiler compiler = new PatternCompiler(basePointer);
    ObjectMatcher root = compiler.root(pattern);
    if (!compiler.problems().isEmpty() || root == null) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE, "the event pattern is invalid", compiler.problems());
    }
    return new EventPattern(pattern, root);
  }

  /**
   * Every problem of a pattern, each at {@code basePointer} + a JSON Pointer into the pattern (e.g.
   * base {@code /triggers/0/event/match} gives {@code
   * /triggers/0/event/match/data/total/0/numeric/0}); empty when the pattern compiles.
   */
  public static List<Problem> check(Object pattern, String basePointer) {
    PatternCompiler compiler = new PatternCompiler(basePointer);
    compiler.root(pattern);
    return List.copyOf(compiler.problems());
  }

  ObjectMatcher root() {
    return root;
  }

  List<NecessaryCondition> conditions() {
    return conditions;
  }

  /** The pattern as it was given. */
  public Object source() {
    return source;
  }

  /** Matches an event in structured form (as {@link CloudEvent#toMap()} gives it). */
  public boolean matches(Map<String, Object> event) {
    return root.testMap(event);
  }

  /** Matches a CloudEvent without building its structured form (the same verdict). */
  public boolean matches(CloudEvent event) {
    CompactPatterns c = compact;
    if (c == null) { // a PatternIndex builds its own: a trigger's pattern never needs this one
      c = new CompactPatterns(List.of(root));
      compact = c;
    }
    return c.test(0, event);
  }

  /**
   * Why the event does not match: null when it matches; otherwise the first failing condition in
   * the pattern's order, e.g. {@code /data/total: expected numeric > 100, but got 42}.
   */
  public Mismatch explain(Map<String, Object> event) {
    return root.explainMap(event, "");
  }

  /** {@link #explain(Map)} of the event's structured form. */
  public Mismatch explain(CloudEvent event) {
    return explain(event.toMap());
  }

  @Override
  public String toString() {
    return Json.write(source);
  }
}
