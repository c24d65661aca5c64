package io.sluice.orchestrator.domain;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.expr.Template;
import io.sluice.core.json.Json;
import io.sluice.definition.StepDef;
import io.sluice.definition.WorkflowDefinition;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One decision in progress: a mutable working copy of an instance. Not thread-safe, short-lived.
 */
final class Run {
  /**
   * Extension attribute counting how many workflow hops led to an event: an instance started by an
   * event of depth d emits events of depth d + 1 (a manual start counts as depth 0), so the router
   * can stop a chain of workflows that trigger each other forever.
   */
  static final String CHAIN_DEPTH = "sluicedepth";

  /**
   * Sources of Sluice's own events; an emit step may not claim one (ingestion refuses them too).
   */
  static final String RESERVED_SOURCE = "sluice/";

  // step types that wait for someone outside (the type is also what its step waits for)
  private static final String MANUAL = "manual";
  private static final String TASK = "task";
  private static final String FOR_EACH = "forEach";
  private static final int DEFAULT_CONCURRENCY = 4;

  private final WorkflowDefinition def;
  private final Instant now;
  private final String source;
  private final Map<String, StepDef> defs;

  private final String id;
  private final String key;
  private final Object input;
  private final Map<String, Object> event;
  private final Instant startedAt;
  private final LinkedHashMap<String, StepState> steps;
  private final List<Timer> timers;
  private final long rev;
  private String supersededBy;
  private InstanceStatus status;
  private InstanceStatus endingAs;
  private Object output;
  private StepError error;
  private Instant endedAt;
  private int seq;

  private final List<CloudEvent> events = new ArrayList<>();
  private final List<CloudEvent> emitted = new ArrayList<>();
  private final List<Effect> effects = new ArrayList<>();
  private Variables variables;

  Run(WorkflowDefinition def, InstanceState state, Instant now, String source) {
    this.def = def;
    this.now = now;
    this.source = source;
    this.defs = def.stepsById();
    this.id = state.id();
    this.key = state.key();
    this.supersededBy = state.supersededBy();
    this.input = state.input();
    this.event = state.event();
    this.startedAt = state.startedAt();
    this.steps = new LinkedHashMap<>(state.steps());
    this.timers = new ArrayList<>(state.timers());
    this.rev = state.rev();
    this.status = state.status();
    this.endingAs = state.endingAs();
    this.output = state.output();
    this.error = state.error();
    this.endedAt = state.endedAt();
    this.seq = state.seq();
  }

  static Run create(WorkflowDefinition def, Input.Start start, Instant now, String source) {
    LinkedHashMap<String, StepState> steps = new LinkedHashMap<>();
    def.steps().forEach(s -> steps.put(s.id(), StepState.pending(s.id())));
    def.onFailure().forEach(s -> steps.put(s.id(), StepState.pending(s.id())));
    List<Timer> timers = new ArrayList<>();
    if (def.timeout() != null) {
      timers.add(Timer.of(Timer.Kind.WORKFLOW_TIMEOUT, null, 0, now.plus(def.timeout())));
    }
    InstanceState state =
        new InstanceState(
            start.instanceId(),
            def.id(),
            def.version(),
            start.key(),
            null,
            InstanceStatus.RUNNING,
            null,
            start.input(),
            start.event() == null ? null : start.event().toMap(),
            steps,
            null,
            null,
            now,
            now,
            null,
            timers,
            0,
            0);
    Run run = new Run(def, state, now, source);
    Map<String, Object> data = run.data(null);
    data.put("key", start.key());
    data.put("input", start.input());
    run.emit(LifecycleTypes.WORKFLOW_STARTED, data);
    return run;
  }

  boolean hasChanges() {
    return !events.isEmpty() || !emitted.isEmpty();
  }

  Decision decision() {
    InstanceState state =
        new InstanceState(
            id,
            def.id(),
            def.version(),
            key,
            supersededBy,
            status,
            endingAs,
            input,
            event,
            steps,
            output,
            error,
            startedAt,
            now,
            endedAt,
            timers,
            seq,
            rev);
    return new Decision(
        state, List.copyOf(events), List.copyOf(emitted), List.copyOf(effects), null);
  }

  // ---- inputs -------------------------------------------------------------------------------

  void stepSucceeded(Input.StepSucceeded in) {
    StepState step = steps.get(in.stepId());
    if (!isCurrentAttempt(step, in.attempt())) {
      return;
    }
    removeTimer(Timer.Kind.STEP_TIMEOUT, in.stepId(), in.attempt());
    complete(step, in.output());
  }

  void stepFailed(Input.StepFailed in) {
    StepState step = steps.get(in.stepId());
    if (!isCurrentAttempt(step, in.attempt())) {
      return;
    }
    removeTimer(Timer.Kind.STEP_TIMEOUT, in.stepId(), in.attempt());
    fail(step, in.error());
  }

  private boolean isCurrentAttempt(StepState step, int attempt) {
    return !status.isTerminal()
        && step != null
        && step.status() == StepStatus.RUNNING
        && step.attempt() == attempt;
  }

  void timerFired(String timerId) {
    Timer timer = timers.stream().filter(t -> t.id().equals(timerId)).findFirst().orElse(null);
    if (timer == null || status.isTerminal() || now.isBefore(timer.dueAt())) {
      return;
    }
    timers.remove(timer);
    StepState step = timer.stepId() == null ? null : steps.get(timer.stepId());
    switch (timer.kind()) {
      case DELAY -> {
        if (step != null && step.status() == StepStatus.WAITING) {
          complete(step, Map.of("firedAt", now.toString()));
        }
      }
      case RETRY -> {
        if (step != null && step.status() == StepStatus.WAITING) {
          dispatch(defs.get(step.id()), step, step.attempt() + 1);
        }
      }
      case STEP_TIMEOUT -> {
        if (step != null && isCurrentAttempt(step, timer.attempt())) {
          Duration limit = defs.get(step.id()).timeout();
          fail(
              step,
              StepError.retryable(
                  "timeout",
                  "attempt " + timer.attempt() + " did not finish within its timeout of " + limit));
        }
      }
      case WAIT_TIMEOUT -> {
        if (step != null
            && step.status() == StepStatus.WAITING
            && step.attempt() == timer.attempt()) {
          if ("event".equals(step.waitingFor())) {
            unsubscribe(step);
            fail(
                step,
                StepError.retryable(
                    "timeout", "no matching event arrived within " + timer.dueAt().toString()));
          } else if (MANUAL.equals(step.waitingFor()) || TASK.equals(step.waitingFor())) {
            withdrawTask(step);
            fail(
                step,
                StepError.retryable(
                    "timeout",
                    "nobody completed the step within its timeout of "
                        + defs.get(step.id()).timeout()));
          }
        }
      }
      case WORKFLOW_TIMEOUT -> {
        if (endingAs == null) {
          beginEnding(
              InstanceStatus.TIMED_OUT,
              new StepError(
                  "workflow.timeout",
                  "the instance did not finish within its timeout of " + def.timeout(),
                  false,
                  null));
        }
      }
    }
  }

  void eventArrived(CloudEvent arrived) {
    if (status.isTerminal()) {
      return;
    }
    Map<String, Object> eventMap = arrived.toMap();
    for (StepState st : new ArrayList<>(steps.values())) {
      if (st.status() != StepStatus.WAITING || !"event".equals(st.waitingFor())) {
        continue;
      }
      StepDef s = defs.get(st.id());
      Map<?, ?> with;
      try {
        with = s.with().evaluate(variables().map()) instanceof Map<?, ?> m ? m : Map.of();
      } catch (ExpressionException e) {
        unsubscribe(st);
        fail(st, Decider.expressionError(e));
        continue;
      }
      if (!arrived.type().equals(with.get("type"))) {
        continue;
      }
      Object match = with.get("match");
      if (match instanceof String source && !source.isBlank()) {
        Map<String, Object> scope = new java.util.HashMap<>(variables().map());
        scope.put("event", eventMap);
        boolean accepted;
        try {
          accepted = CelExpressions.workflow().compile(source).test(scope);
        } catch (ExpressionException e) {
          continue; // this event cannot be judged by the match: it is not the one awaited
        }
        if (!accepted) {
          continue;
        }
      }
      removeTimer(Timer.Kind.WAIT_TIMEOUT, st.id(), st.attempt());
      unsubscribe(st);
      complete(st, eventMap);
    }
  }

  String cancel(String reason) {
    if (status.isTerminal()) {
      return "the instance is already " + status;
    }
    cancelActive(true);
    error = new StepError("cancelled", reason == null ? "cancelled" : reason, false, null);
    finish(InstanceStatus.CANCELLED);
    return null;
  }

  /**
   * A start with the same key and {@code onConflict: terminateExisting} takes the key over: a live
   * instance is cancelled; either way the instance gives up its key (stored apart from the live
   * keys) and says so with {@code workflow.superseded}.
   */
  String supersede(String byInstanceId) {
    if (supersededBy != null) {
      return "the instance was already superseded by " + supersededBy;
    }
    if (!status.isTerminal()) {
      cancel(
          "superseded by instance "
              + byInstanceId
              + " (a start with the same key, onConflict: terminateExisting)");
    }
    supersededBy = byInstanceId;
    Map<String, Object> data = data(null);
    data.put("key", key);
    data.put("supersededBy", byInstanceId);
    emit(LifecycleTypes.WORKFLOW_SUPERSEDED, data);
    return null;
  }

  String retry() {
    if (!status.isRetriable()) {
      return "only a FAILED or TIMED_OUT instance can be retried, but it is " + status;
    }
    for (StepDef s : def.steps()) {
      StepState st = steps.get(s.id());
      boolean unhandledFailure = st.status() == StepStatus.FAILED && !s.continueOnError();
      if (unhandledFailure || st.status() == StepStatus.CANCELLED) {
        steps.put(s.id(), st.rerun());
      }
    }
    def.onFailure().forEach(s -> steps.put(s.id(), steps.get(s.id()).rerun()));
    timers.clear();
    if (def.timeout() != null) {
      timers.add(Timer.of(Timer.Kind.WORKFLOW_TIMEOUT, null, 0, now.plus(def.timeout())));
    }
    status = InstanceStatus.RUNNING;
    endingAs = null;
    error = null;
    endedAt = null;
    output = null;
    emit(LifecycleTypes.WORKFLOW_RETRIED, data(null));
    return null;
  }

  List<Effect> redispatchRunning() {
    List<Effect> out = new ArrayList<>();
    for (StepState st : steps.values()) {
      StepDef s = defs.get(st.id());
      if (s != null && st.status() == StepStatus.WAITING && "event".equals(st.waitingFor())) {
        resubscribe(s, st, out);
        continue;
      }
      if (s != null && st.status() == StepStatus.WAITING && TASK.equals(st.waitingFor())) {
        reoffer(s, st, out);
        continue;
      }
      if (st.status() != StepStatus.RUNNING || s == null) {
        continue;
      }
      try {
        Object with =
            FOR_EACH.equals(s.type()) ? forEachWith(s) : s.with().evaluate(variables().map());
        out.add(executeStep(s, st.attempt(), with));
      } catch (ExpressionException e) {
        // it evaluated when the attempt started; if it no longer does, the attempt fails
        out.add(new Effect.FailAttempt(id, s.id(), st.attempt(), Decider.expressionError(e)));
      } catch (IllegalArgumentException notAList) {
        out.add(
            new Effect.FailAttempt(
                id, s.id(), st.attempt(), StepError.permanent(FOR_EACH, notAList.getMessage())));
      }
    }
    return out;
  }

  /** A waiting step's registration may not have been written before a crash: write it again. */
  private void resubscribe(StepDef s, StepState st, List<Effect> out) {
    try {
      Object with = s.with().evaluate(variables().map());
      if (with instanceof Map<?, ?> m && m.get("type") instanceof String type) {
        out.add(new Effect.Subscribe(id, s.id(), type, st.startedAt()));
      }
    } catch (ExpressionException e) {
      out.add(new Effect.FailAttempt(id, s.id(), st.attempt(), Decider.expressionError(e)));
    }
  }

  /** A waiting task may not have been written before a crash: offer it again (idempotent). */
  private void reoffer(StepDef s, StepState st, List<Effect> out) {
    try {
      Object with = s.with().evaluate(variables().map());
      Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
      if (w.get("queue") instanceof String queue) {
        out.add(offer(s, st, queue, w.get("input")));
      }
    } catch (ExpressionException e) {
      out.add(new Effect.FailAttempt(id, s.id(), st.attempt(), Decider.expressionError(e)));
    }
  }

  // ---- the DAG ------------------------------------------------------------------------------

  /** Starts every ready step, running pure ones inline, until nothing more can move. */
  void advance() {
    boolean progress = true;
    while (progress && !status.isTerminal()) {
      progress = false;
      for (StepDef s : activeDag()) {
        StepState st = steps.get(s.id());
        if (st.status() == StepStatus.PENDING && isReady(s)) {
          begin(s, st);
          progress = true;
          if (status.isTerminal() || (endingAs != null && !isOnFailureDag(s))) {
            break; // the instance began ending: re-evaluate from the other DAG
          }
        }
      }
      if (!progress) {
        progress = completeIfDone();
      }
    }
  }

  private List<StepDef> activeDag() {
    return endingAs == null ? def.steps() : def.onFailure();
  }

  private boolean isOnFailureDag(StepDef s) {
    return def.onFailure().contains(s);
  }

  private boolean isReady(StepDef s) {
    for (String need : s.needs()) {
      if (!steps.get(need).status().isTerminal()) {
        return false;
      }
    }
    return true;
  }

  private boolean allNeedsSkipped(StepDef s) {
    if (s.needs().isEmpty()) {
      return false;
    }
    for (String need : s.needs()) {
      if (steps.get(need).status() != StepStatus.SKIPPED) {
        return false;
      }
    }
    return true;
  }

  private void begin(StepDef s, StepState st) {
    if (allNeedsSkipped(s)) {
      skip(st, "every step it needs was skipped");
      return;
    }
    if (s.condition() != null) {
      boolean run;
      try {
        run = s.condition().test(variables().map());
      } catch (ExpressionException e) {
        StepState started = st.running(st.attempt() + 1, now);
        steps.put(s.id(), started);
        fail(started, Decider.expressionError(e));
        return;
      }
      if (!run) {
        skip(st, "its condition was false: " + s.condition().source());
        return;
      }
    }
    dispatch(s, st, st.attempt() + 1);
  }

  /** Starts attempt n of a step: pure types finish here, others become an effect. */
  private void dispatch(StepDef s, StepState st, int attempt) {
    StepState running = st.running(attempt, now);
    steps.put(s.id(), running);
    Map<String, Object> started = data(s.id());
    started.put("type", s.type());
    started.put("attempt", (long) attempt);
    started.put("startedAt", now.toString());
    emit(LifecycleTypes.STEP_STARTED, started);
    if (FOR_EACH.equals(s.type())) {
      startForEach(s, running, attempt);
      return;
    }
    Object with;
    try {
      with = s.with().evaluate(variables().map());
    } catch (ExpressionException e) {
      fail(running, Decider.expressionError(e));
      return;
    }
    switch (s.type()) {
      case "transform" -> complete(running, with);
      case "emit" -> {
        Object type = with instanceof Map<?, ?> m ? m.get("type") : null;
        Object source = with instanceof Map<?, ?> m ? m.get("source") : null;
        if (!(type instanceof String t) || t.isBlank()) {
          fail(running, StepError.permanent("emit", "expected an event 'type', but got " + type));
        } else if (source != null && source.toString().startsWith(RESERVED_SOURCE)) {
          fail(
              running,
              StepError.permanent(
                  "emit",
                  "expected a 'source' outside the prefix '"
                      + RESERVED_SOURCE
                      + "' (reserved for Sluice's own events, e.g. schedule fires), but got "
                      + source));
        } else {
          complete(running, emitEvent(s, with));
        }
      }
      case "delay" -> startDelay(s, running, with);
      case "waitForEvent" -> startWait(s, running, with);
      case "manual" -> startManual(s, running, with);
      case "task" -> startTask(s, running, with);
      default -> execute(s, attempt, with);
    }
  }

  private Effect.ExecuteStep executeStep(StepDef s, int attempt, Object with) {
    return new Effect.ExecuteStep(
        id,
        def.id(),
        def.version(),
        s.id(),
        s.type(),
        attempt,
        with,
        s.timeout(),
        id + "/" + s.id());
  }

  /** Hands the attempt to the step's executed type, its timeout armed. */
  private void execute(StepDef s, int attempt, Object with) {
    effects.add(executeStep(s, attempt, with));
    if (s.timeout() != null) {
      timers.add(Timer.of(Timer.Kind.STEP_TIMEOUT, s.id(), attempt, now.plus(s.timeout())));
    }
  }

  private Object emitEvent(StepDef s, Object with) {
    Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
    String type = (String) w.get("type");
    Object src = w.get("source");
    Object subject = w.get("subject");
    CloudEvent out =
        new CloudEvent(
            emitId(s.id(), steps.get(s.id()).attempt()),
            src == null ? "sluice/workflows/" + def.id() : src.toString(),
            type,
            now,
            subject == null ? id : subject.toString(),
            "application/json",
            null,
            w.get("data"),
            Map.of(CHAIN_DEPTH, chainDepth()));
    emitted.add(out);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("id", out.id());
    result.put("source", out.source());
    result.put("type", out.type());
    return result;
  }

  /**
   * The id of an emitted event: stable for an attempt (a re-publish is a duplicate), new for a run
   * after an instance retry (a second alert is a new event).
   */
  private String emitId(String stepId, int attempt) {
    return attempt <= 1 ? id + "/" + stepId : id + "/" + stepId + "/" + attempt;
  }

  private void startDelay(StepDef s, StepState running, Object with) {
    Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
    Instant due;
    try {
      if (w.get("duration") != null) {
        due = now.plus(Duration.parse(w.get("duration").toString()));
      } else if (w.get("until") != null) {
        due = Instant.parse(w.get("until").toString());
      } else {
        fail(
            running,
            StepError.permanent("delay", "expected 'duration' or 'until', but neither was given"));
        return;
      }
    } catch (DateTimeParseException e) {
      fail(
          running,
          StepError.permanent(
              "delay", "expected an ISO-8601 duration or timestamp, but " + e.getMessage()));
      return;
    }
    if (!due.isAfter(now)) {
      complete(running, Map.of("firedAt", now.toString()));
      return;
    }
    steps.put(s.id(), running.waiting("delay", now));
    timers.add(Timer.of(Timer.Kind.DELAY, s.id(), running.attempt(), due));
    Map<String, Object> waiting = data(s.id());
    waiting.put("reason", "delay");
    waiting.put("until", due.toString());
    emit(LifecycleTypes.STEP_WAITING, waiting);
  }

  private void startWait(StepDef s, StepState running, Object with) {
    Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
    Object type = w.get("type");
    if (!(type instanceof String t) || t.isBlank()) {
      fail(
          running,
          StepError.permanent("waitForEvent", "expected an event 'type', but got " + type));
      return;
    }
    Instant due = null;
    if (w.get("timeout") != null) {
      try {
        due = now.plus(Duration.parse(w.get("timeout").toString()));
      } catch (DateTimeParseException e) {
        fail(
            running,
            StepError.permanent(
                "waitForEvent",
                "expected an ISO-8601 duration as timeout, but got '" + w.get("timeout") + "'"));
        return;
      }
    }
    steps.put(s.id(), running.waiting("event", now));
    if (due != null) {
      timers.add(Timer.of(Timer.Kind.WAIT_TIMEOUT, s.id(), running.attempt(), due));
    }
    effects.add(new Effect.Subscribe(id, s.id(), t, now));
    Map<String, Object> waiting = data(s.id());
    waiting.put("reason", "event");
    waiting.put("eventType", t);
    if (due != null) {
      waiting.put("until", due.toString());
    }
    emit(LifecycleTypes.STEP_WAITING, waiting);
  }

  /**
   * {@code forEach}: a nested {@code transform} completes here with the list of its outputs (an
   * empty list of items too); any other nested type runs as one attempt of the executed {@code
   * forEach} type with the evaluated parameters of every item (see {@link #forEachWith}).
   */
  private void startForEach(StepDef s, StepState running, int attempt) {
    Map<String, Object> batch;
    try {
      batch = forEachWith(s);
    } catch (ExpressionException e) {
      fail(running, Decider.expressionError(e));
      return;
    } catch (IllegalArgumentException notAList) {
      fail(running, StepError.permanent(FOR_EACH, notAList.getMessage()));
      return;
    }
    List<?> perItem = (List<?>) batch.get("items");
    if (batch.get("type").equals("transform") || perItem.isEmpty()) {
      complete(running, perItem);
      return;
    }
    execute(s, attempt, batch);
  }

  /**
   * A {@code forEach} step's parameters: {@code {type, items, concurrency}} where {@code items} are
   * the nested step's {@code with} evaluated once per item, with {@code item} and {@code index} in
   * scope ({@code items} and {@code concurrency} themselves see the usual variables; concurrency
   * defaults to {@value #DEFAULT_CONCURRENCY}). Throws IllegalArgumentException when {@code items}
   * is not a list.
   */
  private Map<String, Object> forEachWith(StepDef s) {
    Template step = member(s.with(), "step");
    Template nestedWith = member(step, "with");
    Object items = member(s.with(), "items").evaluate(variables().map());
    if (!(items instanceof List<?> list)) {
      throw new IllegalArgumentException(
          "expected 'items' to be a list, but got " + Json.typeName(items));
    }
    Template limit = member(s.with(), "concurrency");
    Object concurrency =
        limit == null ? (Object) (long) DEFAULT_CONCURRENCY : limit.evaluate(variables().map());
    Map<String, Object> scope = new HashMap<>(variables().map());
    List<Object> perItem = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      scope.put("item", list.get(i));
      scope.put("index", (long) i);
      perItem.add(nestedWith == null ? Map.of() : nestedWith.evaluate(scope));
    }
    Map<String, Object> batch = new LinkedHashMap<>();
    batch.put("type", member(step, "type").evaluate(Map.of()));
    batch.put("items", perItem);
    batch.put("concurrency", concurrency);
    return batch;
  }

  /** A member of an object template (a constant object is one literal); null when absent. */
  private static Template member(Template object, String name) {
    if (object instanceof Template.ObjectTemplate o) {
      return o.members().get(name);
    }
    if (object instanceof Template.Literal l && l.value() instanceof Map<?, ?> m) {
      return m.containsKey(name) ? new Template.Literal(m.get(name)) : null;
    }
    return null;
  }

  /** Waits for {@link Input.CompleteStep}; the step's {@code timeout} bounds the wait. */
  private void startManual(StepDef s, StepState running, Object with) {
    Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
    Map<String, Object> waiting = startWaitingFor(MANUAL, s, running);
    if (w.get("assignee") != null) {
      waiting.put("assignee", w.get("assignee").toString());
    }
    emit(LifecycleTypes.STEP_WAITING, waiting);
  }

  /** Offers the task to the workers of its queue; completed or failed through the task API. */
  private void startTask(StepDef s, StepState running, Object with) {
    Map<?, ?> w = with instanceof Map<?, ?> m ? m : Map.of();
    if (!(w.get("queue") instanceof String queue) || queue.isBlank()) {
      fail(running, StepError.permanent("task", "expected a 'queue', but got " + w.get("queue")));
      return;
    }
    Map<String, Object> waiting = startWaitingFor(TASK, s, running);
    waiting.put("queue", queue);
    waiting.put("taskId", taskId(s.id(), running.attempt()));
    effects.add(offer(s, running, queue, w.get("input")));
    emit(LifecycleTypes.STEP_WAITING, waiting);
  }

  private Effect.OfferTask offer(StepDef s, StepState st, String queue, Object input) {
    return new Effect.OfferTask(
        taskId(s.id(), st.attempt()),
        queue,
        id,
        def.id(),
        s.id(),
        st.attempt(),
        input == null ? Map.of() : input,
        now);
  }

  /** Marks the step waiting for someone outside and arms its timeout; the step.waiting data. */
  private Map<String, Object> startWaitingFor(String kind, StepDef s, StepState running) {
    steps.put(s.id(), running.waiting(kind, now));
    Map<String, Object> waiting = data(s.id());
    waiting.put("reason", kind);
    waiting.put("attempt", (long) running.attempt());
    if (s.timeout() != null) {
      Instant due = now.plus(s.timeout());
      timers.add(Timer.of(Timer.Kind.WAIT_TIMEOUT, s.id(), running.attempt(), due));
      waiting.put("until", due.toString());
    }
    return waiting;
  }

  /** The id of a task step's attempt: {@code <instanceId>:<stepId>:<attempt>}. */
  String taskId(String stepId, int attempt) {
    return id + ":" + stepId + ":" + attempt;
  }

  /** The task of a waiting task step leaves the queue. */
  private void withdrawTask(StepState st) {
    if (st.status() == StepStatus.WAITING && TASK.equals(st.waitingFor())) {
      effects.add(new Effect.WithdrawTask(taskId(st.id(), st.attempt())));
    }
  }

  String completeWaiting(Input.CompleteStep in) {
    String refused = refuseUnlessWaiting(in.stepId(), in.attempt());
    if (refused != null) {
      return refused;
    }
    StepState st = steps.get(in.stepId());
    removeTimer(Timer.Kind.WAIT_TIMEOUT, st.id(), st.attempt());
    withdrawTask(st);
    complete(st, in.data());
    return null;
  }

  String failTask(Input.FailTask in) {
    String refused = refuseUnlessWaiting(in.stepId(), in.attempt());
    if (refused != null) {
      return refused;
    }
    StepState st = steps.get(in.stepId());
    if (!TASK.equals(st.waitingFor())) {
      return "step '" + in.stepId() + "' is not a task step";
    }
    removeTimer(Timer.Kind.WAIT_TIMEOUT, st.id(), st.attempt());
    withdrawTask(st);
    fail(st, in.error());
    return null;
  }

  /** Why a completion or failure of this step attempt is refused; null when the step awaits it. */
  private String refuseUnlessWaiting(String stepId, int attempt) {
    StepState st = steps.get(stepId);
    if (status.isTerminal()) {
      return "the instance is already " + status;
    }
    String type = st == null ? null : defs.get(stepId).type();
    if (!MANUAL.equals(type) && !TASK.equals(type)) {
      return "the workflow has no manual or task step '" + stepId + "'";
    }
    if (st.status() != StepStatus.WAITING || !type.equals(st.waitingFor())) {
      return "step '" + stepId + "' is not waiting to be completed: it is " + st.status();
    }
    if (st.attempt() != attempt) {
      return "step '"
          + stepId
          + "' waits in attempt "
          + st.attempt()
          + ", not in attempt "
          + attempt;
    }
    return null;
  }

  /** See {@link Decider#parameters}. */
  Object parameters(String stepId) {
    StepDef s = defs.get(stepId);
    return s == null ? null : s.with().evaluate(variables().map());
  }

  /** Drops the event subscription of a step that waited for an event. */
  private void unsubscribe(StepState st) {
    if (st.status() != StepStatus.WAITING || !"event".equals(st.waitingFor())) {
      return;
    }
    Object type = null;
    try {
      Object with = defs.get(st.id()).with().evaluate(variables().map());
      type = with instanceof Map<?, ?> m ? m.get("type") : null;
    } catch (ExpressionException e) {
      // the type no longer evaluates: there is no registration under it to drop
    }
    if (type instanceof String t) {
      effects.add(new Effect.Unsubscribe(id, st.id(), t));
    }
  }

  private void complete(StepState step, Object result) {
    StepState done = step.completed(result, now);
    steps.put(step.id(), done);
    Map<String, Object> data = data(step.id());
    data.put("attempt", (long) done.attempt());
    data.put("output", result);
    data.put("startedAt", String.valueOf(done.startedAt()));
    data.put("endedAt", now.toString());
    emit(LifecycleTypes.STEP_COMPLETED, data);
  }

  private void skip(StepState step, String why) {
    steps.put(step.id(), step.ended(StepStatus.SKIPPED, now));
    Map<String, Object> data = data(step.id());
    data.put("reason", why);
    emit(LifecycleTypes.STEP_SKIPPED, data);
  }

  /** A failed attempt: retry it, or fail the step and (unless handled) the instance. */
  private void fail(StepState step, StepError failure) {
    StepDef s = defs.get(step.id());
    int thisRun = step.attemptsThisRun();
    if (s.retry().allowsRetry(thisRun, failure.code(), failure.retryable())) {
      Duration wait = s.retry().backoff(thisRun, jitterUnit(step.id(), step.attempt()));
      Instant next = now.plus(wait);
      steps.put(step.id(), step.retrying(failure));
      timers.add(Timer.of(Timer.Kind.RETRY, step.id(), step.attempt(), next));
      Map<String, Object> data = data(step.id());
      data.put("attempt", (long) step.attempt());
      data.put("error", errorData(failure));
      data.put("startedAt", String.valueOf(step.startedAt()));
      data.put("endedAt", now.toString());
      data.put("nextAttemptAt", next.toString());
      emit(LifecycleTypes.STEP_RETRYING, data);
      return;
    }
    steps.put(step.id(), step.failed(failure, now));
    Map<String, Object> data = data(step.id());
    data.put("attempt", (long) step.attempt());
    data.put("error", errorData(failure));
    data.put("startedAt", String.valueOf(step.startedAt()));
    data.put("endedAt", now.toString());
    emit(LifecycleTypes.STEP_FAILED, data);
    if (!s.continueOnError() && endingAs == null && !isOnFailureDag(s)) {
      beginEnding(InstanceStatus.FAILED, failure.from(step.id()));
    }
  }

  /** A pure function of the step and attempt, spreading retries of many instances apart. */
  private double jitterUnit(String stepId, int attempt) {
    long h = (id.hashCode() * 31L + stepId.hashCode()) * 31L + attempt;
    h ^= (h >>> 33);
    h *= 0xff51afd7ed558ccdL;
    h ^= (h >>> 33);
    return (h >>> 11) * 0x1.0p-53;
  }

  /** The instance failed or timed out: stop the main DAG, then run onFailure if there is one. */
  private void beginEnding(InstanceStatus terminal, StepError cause) {
    error = cause;
    cancelActive(false);
    timers.removeIf(t -> t.kind() == Timer.Kind.WORKFLOW_TIMEOUT);
    if (def.onFailure().isEmpty()) {
      finish(terminal);
    } else {
      endingAs = terminal;
      variables = null;
    }
  }

  /** Cancels started and pending steps of the main DAG (and of onFailure when all is true). */
  private void cancelActive(boolean all) {
    for (StepState st : new ArrayList<>(steps.values())) {
      boolean inScope = all || !isOnFailureDag(defs.get(st.id()));
      if (!inScope || st.status().isTerminal()) {
        continue;
      }
      unsubscribe(st);
      withdrawTask(st);
      withdrawEffects(st.id());
      steps.put(st.id(), st.ended(StepStatus.CANCELLED, now));
      timers.removeIf(t -> st.id().equals(t.stepId()));
      if (st.status().isActive()) {
        Map<String, Object> data = data(st.id());
        data.put("attempt", (long) st.attempt());
        emit(LifecycleTypes.STEP_CANCELLED, data);
      }
    }
  }

  /** A step cancelled in the decision that started it must not run or register after all. */
  private void withdrawEffects(String stepId) {
    effects.removeIf(
        e ->
            (e instanceof Effect.ExecuteStep x && x.stepId().equals(stepId))
                || (e instanceof Effect.Subscribe sub && sub.stepId().equals(stepId))
                || (e instanceof Effect.OfferTask offer && offer.stepId().equals(stepId)));
  }

  /** Completes or ends the instance when its active DAG is all terminal. */
  private boolean completeIfDone() {
    for (StepDef s : activeDag()) {
      if (!steps.get(s.id()).status().isTerminal()) {
        return false;
      }
    }
    if (endingAs != null) {
      finish(endingAs);
      return false;
    }
    if (def.output() != null) {
      try {
        output = def.output().evaluate(variables().map());
      } catch (ExpressionException e) {
        beginEnding(InstanceStatus.FAILED, StepError.permanent("output", e.getMessage()));
        return endingAs != null;
      }
    }
    finish(InstanceStatus.COMPLETED);
    return false;
  }

  private void finish(InstanceStatus terminal) {
    status = terminal;
    endingAs = null;
    endedAt = now;
    timers.clear();
    for (StepDef s : def.onFailure()) {
      StepState st = steps.get(s.id());
      if (st.status() == StepStatus.PENDING) {
        steps.put(s.id(), st.ended(StepStatus.SKIPPED, now)); // not needed: no failure to handle
      }
    }
    Map<String, Object> data = data(null);
    data.put("status", terminal.name());
    if (terminal == InstanceStatus.COMPLETED) {
      data.put("output", output);
    } else if (error != null) {
      data.put("error", errorData(error));
    }
    data.put("startedAt", startedAt.toString());
    data.put("endedAt", now.toString());
    emit(terminal.eventType(), data);
  }

  // ---- helpers ------------------------------------------------------------------------------

  private void removeTimer(Timer.Kind kind, String stepId, int attempt) {
    timers.removeIf(t -> t.kind() == kind && stepId.equals(t.stepId()) && t.attempt() == attempt);
  }

  private Variables variables() {
    if (variables == null) {
      variables = new Variables(this::currentSteps, input, event, id, def, startedAt, error);
    }
    return variables;
  }

  private Map<String, StepState> currentSteps() {
    return steps;
  }

  private Map<String, Object> data(String stepId) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("workflowId", def.id());
    data.put("version", (long) def.version());
    data.put("instanceId", id);
    if (stepId != null) {
      data.put("stepId", stepId);
    }
    return data;
  }

  static Map<String, Object> errorData(StepError e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("code", e.code());
    out.put("message", e.message());
    out.put("stepId", e.stepId()); // always present, so ${error.stepId} never fails
    return out;
  }

  private long chainDepth() {
    Object depth = event == null ? null : event.get(CHAIN_DEPTH);
    long parsed = 0;
    if (depth instanceof Number n) {
      parsed = n.longValue();
    } else if (depth != null) {
      try {
        parsed = Long.parseLong(depth.toString());
      } catch (NumberFormatException notANumber) {
        parsed = 0; // a producer's own attribute of that name, not ours: start counting afresh
      }
    }
    return parsed + 1;
  }

  private void emit(String type, Map<String, Object> data) {
    seq++;
    events.add(
        new CloudEvent(
            id + "-" + seq,
            source,
            type,
            now,
            id,
            "application/json",
            null,
            data,
            Map.of("sequence", (long) seq, CHAIN_DEPTH, chainDepth())));
    if (type.startsWith("step.")) {
      variables = null; // steps changed: expressions must see the new state
    }
  }
}
