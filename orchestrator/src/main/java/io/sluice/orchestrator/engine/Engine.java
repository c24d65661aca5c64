package io.sluice.orchestrator.engine;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.domain.Decision;
import io.sluice.orchestrator.domain.Effect;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.LifecycleTypes;
import io.sluice.orchestrator.store.InstanceStore;
import io.sluice.orchestrator.store.KeyConflictException;
import io.sluice.orchestrator.store.Subscriptions;
import io.sluice.orchestrator.store.TaskQueue;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs instances: load, decide, save with a revision check, then perform the effects (DESIGN:
 * decide, then apply). Every input for an instance goes through that instance's mailbox, so one
 * instance is decided by one input batch at a time; inputs that queue up while a save is in flight
 * are decided together and saved in one write.
 *
 * <p>All state here is confined to one Vert.x context; public methods may be called from any thread
 * and hop onto it.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  private static final int MAX_SAVE_TRIES = 8;

  /**
   * The outcome of a start: the instance, whether it existed already (nothing was started), and the
   * instance whose key it took over ({@code onConflict: terminateExisting}), if any.
   */
  public record Started(InstanceState state, boolean existing, String superseded) {
    public Started(InstanceState state, boolean existing) {
      this(state, existing, null);
    }
  }

  /** What a start does when its key is held by another instance (SPEC §2 {@code onConflict}). */
  public enum OnConflict {
    /** Answer the holder, start nothing (default). */
    USE_EXISTING,
    /** Fail with a CONFLICT problem when the holder is live; answer it when it has ended. */
    FAIL,
    /** Take the key over: cancel the holder when it is live, then start. */
    TERMINATE_EXISTING;

    /**
     * What a start with this policy does about the instance holding its key. A start by the very
     * event that started the holder (a duplicate or a replay) answers the holder whatever the
     * policy; a takeover still looks for an instance the event started and that was superseded
     * since (then it answers that one).
     */
    public Resolution resolve(InstanceState holder, CloudEvent event) {
      boolean sameEvent =
          event != null && holder.event() != null && event.identity().equals(holder.startedBy());
      if (this == USE_EXISTING || sameEvent) {
        return Resolution.ANSWER_HOLDER;
      }
      if (this == FAIL) {
        return holder.status().isTerminal() ? Resolution.ANSWER_HOLDER : Resolution.FAIL;
      }
      return Resolution.TAKE_OVER;
    }

    /** {@code useExisting}, {@code fail}, {@code terminateExisting}; null = the default. */
    public static OnConflict of(String name) {
      if (name == null || name.equals("useExisting")) {
        return USE_EXISTING;
      }
      return switch (name) {
        case "fail" -> FAIL;
        case "terminateExisting" -> TERMINATE_EXISTING;
        default -> throw new IllegalArgumentException("unknown onConflict " + name);
      };
    }
  }

  /** See {@link OnConflict#resolve}. */
  public enum Resolution {
    /** Answer the holder, start nothing. */
    ANSWER_HOLDER,
    /** Refuse the start: the holder runs ({@code onConflict: fail}). */
    FAIL,
    /** Supersede the holder, then start ({@code onConflict: terminateExisting}). */
    TAKE_OVER
  }

  /** How often a terminateExisting start takes a key over before it gives up (others race). */
  private static final int MAX_TAKEOVERS = 3;

  private final Vertx vertx;
  private final Context context;
  private final Clock clock;
  private final Decider decider;
  private final InstanceStore store;
  private final Definitions definitions;
  private final StepRunner steps;
  private final OutboxRelay relay;
  private final TimerService timers;
  private final InstanceCache cache;
  private final Subscriptions subscriptions;
  private final TaskQueue tasks;
  private final RecentEvents recentEvents;
  private final Duration lookBack;
  private final Map<String, Mailbox> mailboxes = new HashMap<>();
  private final Map<String, List<Promise<InstanceState>>> waiters = new HashMap<>();

  Engine(
      Vertx vertx,
      Context context,
      Clock clock,
      Decider decider,
      InstanceStore store,
      Definitions definitions,
      StepRunner steps,
      OutboxRelay relay,
      TimerService timers,
      int cacheSize,
      Subscriptions subscriptions,
      TaskQueue tasks,
      RecentEvents recentEvents,
      Duration lookBack) {
    this.tasks = tasks;
    this.vertx = vertx;
    this.context = context;
    this.clock = clock;
    this.decider = decider;
    this.store = store;
    this.definitions = definitions;
    this.steps = steps;
    this.relay = relay;
    this.timers = timers;
    this.cache = new InstanceCache(cacheSize);
    this.subscriptions = subscriptions;
    this.recentEvents = recentEvents;
    this.lookBack = lookBack;
  }

  Instant now() {
    return Instant.ofEpochMilli(clock.millis());
  }

  Context context() {
    return context;
  }

  /** The {@code workflow} step type, which starts and awaits child instances on this engine. */
  public io.sluice.orchestrator.steps.StepType childWorkflowStep(
      Definitions definitions, InputSchemas inputSchemas, io.sluice.core.id.IdGenerator ids) {
    return new ChildWorkflowStep(this, definitions, inputSchemas, ids);
  }

  /** The executed part of the {@code forEach} step type, running the nested types of this node. */
  public static io.sluice.orchestrator.steps.StepType forEachStep(
      io.sluice.orchestrator.steps.StepTypes types) {
    return new ForEachStep(types);
  }

  // ---- starting ----------------------------------------------------------------------------

  /**
   * Starts an instance of the definition. When an instance with the same key exists, answers that
   * instance with {@code existing = true} and starts nothing (SPEC §2 {@code useExisting}).
   */
  public Future<Started> start(WorkflowDefinition def, Input.Start start) {
    return start(def, start, OnConflict.USE_EXISTING);
  }

  /**
   * Starts an instance of the definition; when another instance holds the key, does what {@code
   * onConflict} says. A start by the very event that started the holder (a duplicate or a replay)
   * always answers the holder and starts nothing, whatever the policy.
   */
  public Future<Started> start(WorkflowDefinition def, Input.Start start, OnConflict onConflict) {
    return create(def, start)
        .compose(
            started ->
                started.existing()
                    ? onConflict(def, start, onConflict, started.state(), 0)
                    : Future.succeededFuture(started));
  }

  private Future<Started> onConflict(
      WorkflowDefinition def,
      Input.Start start,
      OnConflict policy,
      InstanceState holder,
      int takeovers) {
    Resolution resolution = policy.resolve(holder, start.event());
    if (resolution == Resolution.ANSWER_HOLDER) {
      return Future.succeededFuture(new Started(holder, true));
    }
    if (resolution == Resolution.FAIL) {
      return Future.failedFuture(
          ProblemException.of(
              ProblemException.Kind.CONFLICT,
              "workflow '"
                  + def.id()
                  + "' already has a running instance "
                  + holder.id()
                  + " with key '"
                  + holder.key()
                  + "' (onConflict: fail)"));
    }
    if (takeovers >= MAX_TAKEOVERS) {
      return Future.failedFuture(
          ProblemException.of(
              ProblemException.Kind.CONFLICT,
              "the key '"
                  + holder.key()
                  + "' of workflow '"
                  + def.id()
                  + "' was taken by other starts "
                  + takeovers
                  + " times in a row (onConflict: terminateExisting)"));
    }
    if (start.event() == null || takeovers > 0) {
      return takeOver(def, start, policy, holder, takeovers);
    }
    // an event that started an instance which was superseded since (a replay of an older event)
    // takes nothing over: it answers the instance it started
    return store
        .idByKey(def.id(), InstanceStore.releasedKey(holder.key(), start.event().identity()))
        .compose(
            earlier ->
                earlier != null
                    ? get(earlier).map(s -> new Started(s, true))
                    : takeOver(def, start, policy, holder, takeovers));
  }

  private Future<Started> takeOver(
      WorkflowDefinition def,
      Input.Start start,
      OnConflict policy,
      InstanceState holder,
      int takeovers) {
    return submit(holder.id(), new Input.Supersede(start.instanceId()))
        .compose(
            decision ->
                create(def, start)
                    .compose(
                        started ->
                            started.existing()
                                ? onConflict(def, start, policy, started.state(), takeovers + 1)
                                : Future.succeededFuture(
                                    new Started(started.state(), false, holder.id()))));
  }

  /** Creates the instance, or answers the one holding its key ({@code existing}). */
  private Future<Started> create(WorkflowDefinition def, Input.Start start) {
    return create(def, start, false);
  }

  private Future<Started> create(WorkflowDefinition def, Input.Start start, boolean released) {
    return onContext(
        () -> {
          Decision decision = decider.start(def, start, now());
          InstanceState state = decision.state();
          relay.saving(state.updatedAt());
          return store
              .create(state, decision.events(), decision.emitted())
              .transform(
                  ar -> {
                    relay.saved(
                        state.updatedAt(), ar.succeeded(), decision.events(), decision.emitted());
                    if (ar.succeeded()) {
                      afterSave(ar.result(), decision.effects());
                      return Future.succeededFuture(new Started(ar.result(), false));
                    }
                    if (ar.cause() instanceof KeyConflictException conflict) {
                      if (conflict.existingId() == null && !released) {
                        // the holder gave its key up in between (it was superseded): once more
                        return create(def, start, true);
                      }
                      return get(conflict.existingId())
                          .map(existing -> new Started(existing, true));
                    }
                    return Future.failedFuture(ar.cause());
                  });
        });
  }

  // ---- inputs ------------------------------------------------------------------------------

  /**
   * Decides an input for an instance and saves the result; the future holds the decision (its
   * {@code rejection} says when the input was refused, e.g. cancelling a finished instance). Fails
   * with a NOT_FOUND problem for an unknown instance.
   */
  public Future<Decision> submit(String instanceId, Input input) {
    return onContext(
        () -> {
          Promise<Decision> promise = Promise.promise();
          Mailbox box = mailboxes.computeIfAbsent(instanceId, id -> new Mailbox());
          box.queue.add(new Pending(input, promise));
          if (!box.busy) {
            drain(instanceId, box);
          }
          return promise.future();
        });
  }

  private void drain(String id, Mailbox box) {
    box.busy = true;
    List<Pending> batch = new ArrayList<>(box.queue);
    box.queue.clear();
    process(id, batch, 0)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                batch.forEach(p -> p.promise.tryFail(ar.cause()));
              }
              if (box.queue.isEmpty()) {
                box.busy = false;
                mailboxes.remove(id);
              } else {
                drain(id, box);
              }
            });
  }

  private Future<Void> process(String id, List<Pending> batch, int tries) {
    return load(id)
        .compose(
            state ->
                definitions
                    .get(state.workflowId(), state.version())
                    .compose(def -> decideAndSave(def, state, batch, tries)));
  }

  private Future<Void> decideAndSave(
      WorkflowDefinition def, InstanceState initial, List<Pending> batch, int tries) {
    InstanceState current = initial;
    List<CloudEvent> events = new ArrayList<>();
    List<CloudEvent> emitted = new ArrayList<>();
    List<Effect> effects = new ArrayList<>();
    List<Decision> decisions = new ArrayList<>(batch.size());
    Instant now = now();
    for (Pending p : batch) {
      Decision d = decider.decide(def, current, p.input, now);
      decisions.add(d);
      if (d.changed()) {
        current = d.state();
        events.addAll(d.events());
        emitted.addAll(d.emitted());
        effects.addAll(d.effects());
      }
    }
    if (events.isEmpty() && emitted.isEmpty()) {
      complete(batch, decisions);
      return Future.succeededFuture();
    }
    InstanceState next = current;
    relay.saving(next.updatedAt());
    return store
        .save(next, events, emitted)
        .transform(
            ar -> {
              boolean written = ar.succeeded() && ar.result() != null;
              relay.saved(next.updatedAt(), written, events, emitted);
              if (ar.failed()) {
                cache.remove(next.id());
                return retryLater(ar.cause(), next.id(), batch, tries);
              }
              if (!written) {
                cache.remove(next.id()); // another writer won: reload and decide again
                if (tries + 1 >= MAX_SAVE_TRIES) {
                  return Future.failedFuture(
                      new IllegalStateException(
                          "instance " + next.id() + " kept changing under us"));
                }
                return process(next.id(), batch, tries + 1);
              }
              afterSave(ar.result(), effects);
              complete(batch, decisions);
              return Future.succeededFuture();
            });
  }

  /** A store error: try again with backoff (the input must not be lost), then give up loudly. */
  private Future<Void> retryLater(Throwable cause, String id, List<Pending> batch, int tries) {
    if (tries + 1 >= MAX_SAVE_TRIES) {
      log.error(
          "giving up saving instance {} after {} tries; recovery resumes it", id, tries + 1, cause);
      return Future.failedFuture(cause);
    }
    long delay = Math.min(5_000, 50L << tries);
    log.warn("saving instance {} failed ({}); trying again in {} ms", id, cause.toString(), delay);
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(delay, t -> process(id, batch, tries + 1).onComplete(promise));
    return promise.future();
  }

  private static void complete(List<Pending> batch, List<Decision> decisions) {
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).promise.tryComplete(decisions.get(i));
    }
  }

  private void afterSave(InstanceState saved, List<Effect> effects) {
    cache.put(saved);
    timers.track(saved);
    for (Effect effect : effects) {
      perform(effect);
    }
    if (saved.status().isTerminal()) {
      List<Promise<InstanceState>> waiting = waiters.remove(saved.id());
      if (waiting != null) {
        waiting.forEach(p -> p.tryComplete(saved));
      }
    }
  }

  void perform(Effect effect) {
    if (effect instanceof Effect.ExecuteStep execute) {
      steps.run(execute).onSuccess(result -> deliver(execute.instanceId(), result));
    } else if (effect instanceof Effect.Subscribe sub) {
      subscribe(sub);
    } else if (effect instanceof Effect.Unsubscribe unsub) {
      subscriptions
          .remove(unsub.type(), new Subscriptions.Waiter(unsub.instanceId(), unsub.stepId()))
          .onFailure(
              e -> log.warn("dropping the subscription of {} failed: {}", unsub, e.toString()));
    } else if (effect instanceof Effect.FailAttempt fail) {
      deliver(fail.instanceId(), new Input.StepFailed(fail.stepId(), fail.attempt(), fail.error()));
    } else if (effect instanceof Effect.OfferTask offer) {
      tasks
          .offer(
              new TaskQueue.Task(
                  offer.taskId(),
                  offer.queue(),
                  offer.instanceId(),
                  offer.workflowId(),
                  offer.stepId(),
                  offer.attempt(),
                  offer.input(),
                  offer.createdAt(),
                  Instant.EPOCH,
                  null))
          .onFailure(
              e ->
                  log.error(
                      "offering task {} failed; recovery offers it again at the next start",
                      offer.taskId(),
                      e));
    } else if (effect instanceof Effect.WithdrawTask withdraw) {
      tasks
          .remove(withdraw.taskId())
          .onFailure(e -> log.warn("removing task {} failed: {}", withdraw.taskId(), e.toString()));
    }
  }

  /**
   * Registers the waiting step, then offers it the events of its type from the look-back window: an
   * event arriving in between is seen by both paths, which is harmless (the second delivery finds
   * the step no longer waiting).
   */
  private void subscribe(Effect.Subscribe sub) {
    subscriptions
        .add(sub.type(), new Subscriptions.Waiter(sub.instanceId(), sub.stepId()))
        .compose(v -> recentEvents.since(sub.type(), sub.since().minus(lookBack)))
        .onSuccess(
            events -> events.forEach(e -> deliver(sub.instanceId(), new Input.EventArrived(e))))
        .onFailure(
            e ->
                log.error(
                    "registering {} failed; recovery registers it again at the next start",
                    sub,
                    e));
  }

  /**
   * What offering an event to the waiting instances did.
   *
   * @param offeredTo the instances with a step waiting for its type
   * @param resumed per step the event completed: {@code workflowId}, {@code instanceId}, {@code
   *     stepId}
   */
  public record Correlation(int offeredTo, List<Map<String, Object>> resumed) {}

  /** Offers an event to every instance waiting for its type. */
  public Future<Correlation> correlate(CloudEvent event) {
    return onContext(
        () ->
            subscriptions
                .waiting(event.type())
                .compose(
                    waiters -> {
                      java.util.Set<String> instances = new java.util.LinkedHashSet<>();
                      waiters.forEach(w -> instances.add(w.instanceId()));
                      List<Future<Decision>> decisions = new java.util.ArrayList<>();
                      for (String id : instances) {
                        decisions.add(
                            submit(id, new Input.EventArrived(event))
                                .onFailure(
                                    e ->
                                        log.error(
                                            "could not offer event {} to instance {}; recovery"
                                                + " resumes it",
                                            event.id(),
                                            id,
                                            e)));
                      }
                      return Future.join(decisions)
                          .transform(
                              done -> {
                                List<Map<String, Object>> resumed = new java.util.ArrayList<>();
                                for (Future<Decision> d : decisions) {
                                  if (d.succeeded()) {
                                    resumed.addAll(resumedBy(d.result(), event));
                                  }
                                }
                                return Future.succeededFuture(
                                    new Correlation(instances.size(), resumed));
                              });
                    }));
  }

  /** The steps a decision completed with this event as their output (waitForEvent steps). */
  private static List<Map<String, Object>> resumedBy(Decision decision, CloudEvent event) {
    List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (CloudEvent e : decision.events()) {
      if (e.type().equals(LifecycleTypes.STEP_COMPLETED)
          && e.data() instanceof Map<?, ?> data
          && data.get("output") instanceof Map<?, ?> output
          && event.id().equals(output.get("id"))
          && event.source().equals(output.get("source"))) {
        Map<String, Object> entry = new java.util.LinkedHashMap<>();
        entry.put("workflowId", data.get("workflowId"));
        entry.put("instanceId", data.get("instanceId"));
        entry.put("stepId", data.get("stepId"));
        out.add(entry);
      }
    }
    return out;
  }

  /** Submits an input produced by the engine itself; a failure here is left to recovery. */
  void deliver(String instanceId, Input input) {
    submit(instanceId, input)
        .onFailure(
            e ->
                log.error(
                    "could not apply {} to instance {}; recovery resumes it",
                    input,
                    instanceId,
                    e));
  }

  // ---- reading -----------------------------------------------------------------------------

  /**
   * The current state, read from the store (so that a change another node made is seen; this node's
   * cache serves only its own decisions, where a stale entry costs one failed save), or a NOT_FOUND
   * problem.
   */
  public Future<InstanceState> get(String id) {
    return onContext(() -> read(id));
  }

  /** For a decision: this node's cached state when it has one, else the stored one. */
  private Future<InstanceState> load(String id) {
    InstanceState cached = cache.get(id);
    return cached != null ? Future.succeededFuture(cached) : read(id);
  }

  private Future<InstanceState> read(String id) {
    return store
        .get(id)
        .compose(
            s -> {
              if (s == null) {
                return Future.failedFuture(
                    ProblemException.of(
                        ProblemException.Kind.NOT_FOUND, "there is no instance '" + id + "'"));
              }
              InstanceState cached = cache.get(id);
              if (cached != null && cached.rev() >= s.rev()) {
                return Future.succeededFuture(cached); // saved here since the read was sent
              }
              cache.put(s);
              return Future.succeededFuture(s);
            });
  }

  /** Completes when the instance is terminal, or after {@code max} with its state then. */
  public Future<InstanceState> awaitEnd(String id, Duration max) {
    return onContext(
        () ->
            read(id)
                .compose(
                    state -> {
                      if (state.status().isTerminal() || max.isZero()) {
                        return Future.succeededFuture(state);
                      }
                      Promise<InstanceState> promise = Promise.promise();
                      waiters.computeIfAbsent(id, k -> new ArrayList<>()).add(promise);
                      long timer =
                          vertx.setTimer(
                              Math.max(1, max.toMillis()),
                              t -> {
                                List<Promise<InstanceState>> list = waiters.get(id);
                                if (list != null) {
                                  list.remove(promise);
                                  if (list.isEmpty()) {
                                    waiters.remove(id);
                                  }
                                }
                                read(id)
                                    .onSuccess(promise::tryComplete)
                                    .onFailure(promise::tryFail);
                              });
                      return promise.future().onComplete(ar -> vertx.cancelTimer(timer));
                    }));
  }

  // ---- recovery ----------------------------------------------------------------------------

  /**
   * After a start: publishes events that may not have been published, and runs again every step
   * attempt that was running when the process stopped.
   */
  public Future<Integer> recover() {
    return onContext(() -> relay.recover().compose(n -> resumeRunning(null, 0)));
  }

  private Future<Integer> resumeRunning(String afterId, int count) {
    return store
        .running(afterId, 200)
        .compose(
            page -> {
              List<Future<Integer>> resumed = new ArrayList<>();
              for (InstanceState state : page) {
                cache.put(state);
                timers.track(state);
                resumed.add(
                    definitions
                        .get(state.workflowId(), state.version())
                        .map(
                            def -> {
                              List<Effect> effects = decider.resume(def, state, now());
                              effects.forEach(this::perform);
                              return effects.size();
                            }));
              }
              return Future.all(resumed)
                  .compose(
                      all -> {
                        int n = count;
                        for (int i = 0; i < all.size(); i++) {
                          n += all.<Integer>resultAt(i);
                        }
                        if (page.size() < 200) {
                          return Future.succeededFuture(n);
                        }
                        return resumeRunning(page.get(page.size() - 1).id(), n);
                      });
            });
  }

  Future<Void> checkpoint() {
    return onContext(relay::checkpoint);
  }

  private <T> Future<T> onContext(java.util.function.Supplier<Future<T>> work) {
    if (Vertx.currentContext() == context) {
      return work.get();
    }
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> work.get().onComplete(promise));
    return promise.future();
  }

  private record Pending(Input input, Promise<Decision> promise) {}

  private static final class Mailbox {
    final ArrayDeque<Pending> queue = new ArrayDeque<>();
    boolean busy;
  }
}
