package io.sluice.router;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.Expression;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.TriggerDef;
import io.sluice.definition.TriggerDef.EventTrigger;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.router.pattern.EventPattern;
import io.sluice.router.pattern.Mismatch;
import io.sluice.router.pattern.PatternIndex;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event triggers of the active workflow versions, indexed for routing (SPEC §2). An event is
 * matched in three stages: its {@code type} selects the triggers of that type (a hash look-up: the
 * other types cost nothing); the compiled {@code match} patterns of those triggers are evaluated,
 * most of them skipped by a value index (see {@link PatternIndex}); the CEL {@code when} guard of
 * each remaining trigger is evaluated with {@code event} = the event's structured form ({@link
 * CloudEvent#toMap()}). A guard that fails to evaluate is a non-match, reported with its reason
 * ({@link #route}).
 *
 * <p><b>Threads.</b> Copy-on-write: readers never lock and never wait for an update. Everything a
 * read looks at is immutable: the bucket of an event type (its triggers and their pattern index)
 * and the trigger list of a workflow, each published whole in a concurrent map. {@link #match},
 * {@link #route} and {@link #explain}{@code (event, null)} read one bucket, so they see a type's
 * triggers either before or after a concurrent update, never a mix; {@link #explain}{@code (event,
 * workflowId)}, {@link #entries} and {@link #contains} read one workflow's list. {@link #put} and
 * {@link #remove} are serialized; each compiles its workflow's triggers, then rebuilds and replaces
 * only the buckets of the event types that workflow had or now has (an update costs O(the triggers
 * of those types), so loading 10,000 workflows one by one stays linear). An update is visible to
 * every read that starts after it returns.
 *
 * <p><b>Order.</b> Results are ordered by workflow id, then trigger index: deterministic, not
 * meaningful.
 */
public final class TriggerIndex {
  /**
   * One event trigger of one workflow version; {@code triggerIndex} is its position in the
   * definition's {@code triggers} array (so {@code /triggers/{triggerIndex}} points at it).
   */
  public record Entry(String workflowId, int version, int triggerIndex, EventTrigger trigger) {
    public Entry {
      Objects.requireNonNull(workflowId, "workflowId");
      Objects.requireNonNull(trigger, "trigger");
      Objects.requireNonNull(trigger.type(), "trigger.type");
    }

    /** The event triggers of a definition, numbered by their position in its triggers array. */
    public static List<Entry> of(WorkflowDefinition definition) {
      return of(definition.id(), definition.version(), definition.triggers());
    }

    /** Event triggers of a list that may hold schedules too; those are skipped, not numbered. */
    public static List<Entry> of(
        String workflowId, int version, List<? extends TriggerDef> triggers) {
      List<Entry> out = new ArrayList<>();
      for (int i = 0; i < triggers.size(); i++) {
        if (triggers.get(i) instanceof EventTrigger t) {
          out.add(new Entry(workflowId, version, i, t));
        }
      }
      return out;
    }
  }

  /** A trigger that matched: start (or deduplicate) an instance of this workflow version. */
  public record Match(String workflowId, int version, int triggerIndex, EventTrigger trigger) {}

  /** A {@code when} guard that could not be evaluated for an event: the trigger did not match. */
  public record GuardError(
      String workflowId, int version, int triggerIndex, String expression, String reason) {
    public String message() {
      return "when `" + expression + "` failed: " + reason;
    }
  }

  /** The matches of one event, and the guards that failed on it (usually none). */
  public record Routing(List<Match> matches, List<GuardError> guardErrors) {
    static final Routing NONE = new Routing(List.of(), List.of());
  }

  /** How a trigger judged an event, in the order the stages run. */
  public enum Verdict {
    MATCHED,
    TYPE_DIFFERS,
    PATTERN_MISMATCH,
    WHEN_FALSE,
    WHEN_ERROR
  }

  /**
   * Whether one trigger matches an event, and if not, why.
   *
   * @param mismatch the failed pattern condition ({@link Verdict#PATTERN_MISMATCH} only)
   * @param reason one sentence a user can act on; {@code "matched"} for a match
   */
  public record Explanation(
      String workflowId,
      int version,
      int triggerIndex,
      EventTrigger trigger,
      Verdict verdict,
      Mismatch mismatch,
      String reason) {
    public boolean matched() {
      return verdict == Verdict.MATCHED;
    }
  }

  private static final Comparator<Compiled> ORDER =
      Comparator.comparing((Compiled c) -> c.entry.workflowId())
          .thenComparingInt(c -> c.entry.triggerIndex());

  private final Object writeLock = new Object();
  private final Map<String, PatternIndex<Compiled>> byType = new ConcurrentHashMap<>();
  private final Map<String, List<Compiled>> byWorkflow = new ConcurrentHashMap<>();
  private volatile int size;

  /** An empty index. */
  public TriggerIndex() {}

  /**
   * An index of these entries (the start-up load of all active versions).
   *
   * @throws ProblemException when a pattern is invalid: the problems of the first workflow with
   *     one, each at {@code /triggers/{i}/event/match/...}
   */
  public TriggerIndex(Collection<Entry> entries) {
    Map<String, List<Entry>> grouped = new LinkedHashMap<>();
    entries.forEach(e -> grouped.computeIfAbsent(e.workflowId(), k -> new ArrayList<>()).add(e));
    Map<String, List<Compiled>> lists = new HashMap<>();
    int count = 0;
    for (Map.Entry<String, List<Entry>> g : grouped.entrySet()) {
      List<Compiled> compiled = compile(g.getKey(), g.getValue());
      byWorkflow.put(g.getKey(), compiled);
      for (Compiled c : compiled) {
        lists.computeIfAbsent(c.entry.trigger().type(), k -> new ArrayList<>()).add(c);
      }
      count += compiled.size();
    }
    lists.forEach((type, list) -> byType.put(type, bucket(list)));
    this.size = count;
  }

  /**
   * Replaces every trigger of a workflow by the event triggers of this version (schedule triggers
   * in the list are skipped; positions count them). An empty list removes the workflow.
   *
   * @throws ProblemException when a pattern is invalid (the index is then unchanged)
   */
  public void put(String workflowId, int version, List<? extends TriggerDef> triggers) {
    List<Compiled> compiled = compile(workflowId, Entry.of(workflowId, version, triggers));
    synchronized (writeLock) {
      publish(workflowId, compiled);
    }
  }

  /** {@link #put(String, int, List)} of a definition's id, version and triggers. */
  public void put(WorkflowDefinition definition) {
    put(definition.id(), definition.version(), definition.triggers());
  }

  /** Removes every trigger of a workflow; false when it had none. */
  public boolean remove(String workflowId) {
    synchronized (writeLock) {
      if (!byWorkflow.containsKey(workflowId)) {
        return false;
      }
      publish(workflowId, List.of());
      return true;
    }
  }

  private void publish(String workflowId, List<Compiled> replacement) {
    List<Compiled> previous = byWorkflow.getOrDefault(workflowId, List.of());
    Set<String> types = new LinkedHashSet<>();
    previous.forEach(c -> types.add(c.entry.trigger().type()));
    replacement.forEach(c -> types.add(c.entry.trigger().type()));
    for (String type : types) {
      List<Compiled> list = new ArrayList<>();
      PatternIndex<Compiled> bucket = byType.get(type);
      if (bucket != null) {
        for (Compiled c : bucket.items()) {
          if (!c.entry.workflowId().equals(workflowId)) {
            list.add(c);
          }
        }
      }
      for (Compiled c : replacement) {
        if (c.entry.trigger().type().equals(type)) {
          list.add(c);
        }
      }
      if (list.isEmpty()) {
        byType.remove(type);
      } else {
        byType.put(type, bucket(list));
      }
    }
    if (replacement.isEmpty()) {
      byWorkflow.remove(workflowId);
    } else {
      byWorkflow.put(workflowId, replacement);
    }
    this.size = size - previous.size() + replacement.size();
  }

  private static List<Compiled> compile(String workflowId, List<Entry> entries) {
    List<Problem> problems = new ArrayList<>();
    List<Compiled> out = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      Object match = e.trigger().match();
      EventPattern pattern = null;
      if (match != null) {
        try {
          pattern = EventPattern.compile(match, "/triggers/" + e.triggerIndex() + "/event/match");
        } catch (ProblemException invalid) {
          problems.addAll(invalid.problems());
        }
      }
      out.add(new Compiled(e, pattern));
    }
    if (!problems.isEmpty()) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE,
          "workflow '" + workflowId + "' has an invalid event pattern",
          problems);
    }
    out.sort(ORDER);
    return List.copyOf(out);
  }

  /** The number of event triggers indexed. */
  public int size() {
    return size;
  }

  /** Whether the workflow has event triggers in the index. */
  public boolean contains(String workflowId) {
    return byWorkflow.containsKey(workflowId);
  }

  /** The triggers of a workflow, in trigger order; empty when it has none. */
  public List<Entry> entries(String workflowId) {
    List<Entry> out = new ArrayList<>();
    byWorkflow.getOrDefault(workflowId, List.of()).forEach(c -> out.add(c.entry));
    return out;
  }

  /** Every trigger that matches the event (type, pattern and guard). */
  public List<Match> match(CloudEvent event) {
    return route(event).matches();
  }

  /** {@link #match}, plus the guards that failed to evaluate (non-matches worth recording). */
  public Routing route(CloudEvent event) {
    PatternIndex<Compiled> bucket = byType.get(event.type());
    if (bucket == null) {
      return Routing.NONE;
    }
    List<Compiled> candidates = bucket.matching(event);
    if (candidates.isEmpty()) {
      return Routing.NONE;
    }
    List<Match> matches = new ArrayList<>(candidates.size());
    List<GuardError> errors = List.of();
    Map<String, Object> variables = null;
    for (Compiled c : candidates) {
      if (c.when != null) {
        if (variables == null) {
          variables = Map.of("event", event.asMap());
        }
        try {
          if (!c.when.test(variables)) {
            continue;
          }
        } catch (ExpressionException ex) {
          if (errors.isEmpty()) {
            errors = new ArrayList<>(1);
          }
          Entry e = c.entry;
          errors.add(
              new GuardError(
                  e.workflowId(), e.version(), e.triggerIndex(), ex.expression(), ex.reason()));
          continue;
        }
      }
      matches.add(c.match);
    }
    return new Routing(matches, errors);
  }

  /**
   * For the rules-test endpoint: every trigger of the workflow (or, when {@code workflowIdOrNull}
   * is null, every trigger of the event's type), matched or why not. Evaluates everything, skips no
   * trigger: slower than {@link #match}, same verdicts. Empty when the workflow has no event
   * triggers (see {@link #contains}).
   */
  public List<Explanation> explain(CloudEvent event, String workflowIdOrNull) {
    List<Compiled> triggers;
    if (workflowIdOrNull != null) {
      triggers = byWorkflow.getOrDefault(workflowIdOrNull, List.of());
    } else {
      PatternIndex<Compiled> bucket = byType.get(event.type());
      triggers = bucket == null ? List.of() : bucket.items();
    }
    Map<String, Object> structured = event.toMap();
    Map<String, Object> variables = Map.of("event", structured);
    List<Explanation> out = new ArrayList<>(triggers.size());
    for (Compiled c : triggers) {
      out.add(explain(c, event.type(), structured, variables));
    }
    return out;
  }

  private static Explanation explain(
      Compiled c, String type, Map<String, Object> structured, Map<String, Object> variables) {
    Entry e = c.entry;
    EventTrigger t = e.trigger();
    if (!t.type().equals(type)) {
      return explanation(
          e,
          Verdict.TYPE_DIFFERS,
          null,
          "type: expected "
              + io.sluice.core.json.Json.write(t.type())
              + ", but got "
              + io.sluice.core.json.Json.write(type));
    }
    if (c.pattern != null) {
      Mismatch m = c.pattern.explain(structured);
      if (m != null) {
        return explanation(e, Verdict.PATTERN_MISMATCH, m, "match: " + m.message());
      }
    }
    if (t.when() != null) {
      try {
        if (!t.when().test(variables)) {
          return explanation(
              e,
              Verdict.WHEN_FALSE,
              null,
              "when: expected true, but `" + t.when().source() + "` is false");
        }
      } catch (ExpressionException ex) {
        String hint =
            ex.reason().contains("is not present in map")
                ? " (guard optional fields with has(), e.g. has(event.data.x) && event.data.x > 1)"
                : "";
        return explanation(
            e,
            Verdict.WHEN_ERROR,
            null,
            "when: `" + ex.expression() + "` failed: " + ex.reason() + hint);
      }
    }
    return explanation(e, Verdict.MATCHED, null, "matched");
  }

  private static Explanation explanation(Entry e, Verdict verdict, Mismatch m, String reason) {
    return new Explanation(
        e.workflowId(), e.version(), e.triggerIndex(), e.trigger(), verdict, m, reason);
  }

  /**
   * A trigger with its compiled pattern (null: every event of the type passes), and what {@link
   * #route} needs of it at hand: its guard and its {@link Match}, built once (it is immutable).
   */
  private static final class Compiled {
    final Entry entry;
    final EventPattern pattern;
    final Expression when;
    final Match match;

    Compiled(Entry entry, EventPattern pattern) {
      this.entry = entry;
      this.pattern = pattern;
      this.when = entry.trigger().when();
      this.match =
          new Match(entry.workflowId(), entry.version(), entry.triggerIndex(), entry.trigger());
    }
  }

  /** The bucket of one event type: its triggers in {@link #ORDER}, with their pattern index. */
  private static PatternIndex<Compiled> bucket(List<Compiled> triggers) {
    List<Compiled> sorted = new ArrayList<>(triggers);
    sorted.sort(ORDER);
    return new PatternIndex<>(sorted, c -> c.pattern);
  }
}
