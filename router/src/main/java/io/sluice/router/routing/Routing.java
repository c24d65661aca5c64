package io.sluice.router.routing;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.expr.ExpressionException;
import io.sluice.core.id.IdGenerator;
import io.sluice.definition.RateLimit;
import io.sluice.definition.TriggerDef.EventTrigger;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.platform.LifecycleBus;
import io.sluice.platform.UnroutedEvents;
import io.sluice.router.TriggerIndex;
import io.sluice.router.TriggerIndex.Match;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes events to workflows (SPEC §2): every accepted event, every event an {@code emit} step
 * publishes and every lifecycle event is matched against the triggers of the active workflow
 * versions — each match starts an instance, idempotently per (workflow, key) — and is offered to
 * the instances whose {@code waitForEvent} steps wait for its type.
 *
 * <p>A chain of workflows triggering each other is cut at {@code maxChainDepth} hops (the {@code
 * sluicedepth} extension): the event then starts nothing and a {@code sluice.chain.stopped} event
 * says why. Runs on the Vert.x context that delivers the events; never blocks.
 */
public final class Routing {
  private static final Logger log = LoggerFactory.getLogger(Routing.class);

  /** Accepted events (published by ingestion). */
  public static final String EVENTS = "sluice.events";

  /** The delivery header of {@link #EVENTS} carrying the event's store id. */
  public static final String STORE_ID_HEADER = "storeId";

  /** The delivery header of {@link #EVENTS} carrying when it was received (epoch ms). */
  public static final String RECEIVED_AT_HEADER = "receivedAt";

  /** How far before its checkpoint a node routes again after a restart (clock steps). */
  static final Duration MARGIN = Duration.ofSeconds(10);

  private static final int RECOVERY_PAGE = 100;
  private static final long RATE_WINDOW_CLEANUP_MS = 60_000;

  /** A chain of workflows was cut at the depth limit. */
  public static final String CHAIN_STOPPED = "sluice.chain.stopped";

  /**
   * What routing one event did.
   *
   * @param started one entry per matched trigger: workflow, version, instance, key, and whether the
   *     instance existed already (a duplicate or replayed event starts nothing new)
   * @param failed matched triggers that could not start (bad input, a key that fails)
   * @param offeredTo how many waiting instances the event was offered to
   * @param resumed the waiting steps it completed: workflow, instance, step
   * @param skipped matched triggers that started nothing by the workflow's {@code rateLimit}
   */
  public record Result(
      List<Map<String, Object>> started,
      List<Map<String, Object>> failed,
      int offeredTo,
      List<Map<String, Object>> resumed,
      List<Map<String, Object>> skipped) {
    Result(
        List<Map<String, Object>> started,
        List<Map<String, Object>> failed,
        int offeredTo,
        List<Map<String, Object>> resumed) {
      this(started, failed, offeredTo, resumed, List.of());
    }

    boolean isEmpty() {
      return started.isEmpty() && failed.isEmpty() && skipped.isEmpty() && offeredTo == 0;
    }

    public Map<String, Object> toMap() {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("started", started);
      out.put("failed", failed);
      if (!skipped.isEmpty()) {
        out.put("skipped", skipped);
      }
      out.put("offeredTo", (long) offeredTo);
      out.put("resumed", resumed);
      return out;
    }
  }

  /** A start refused by the workflow's rate limit: recorded as skipped, not as a failure. */
  static final class RateLimited extends RuntimeException {
    RateLimited(String message) {
      super(message, null, false, false);
    }
  }

  private final Vertx vertx;
  private final Orchestrator orchestrator;
  private final TriggerIndex index;
  private final IdGenerator ids;
  private final int maxChainDepth;
  private final EventArchive archive;
  private ScheduleStarts schedules;
  private RateLimits rateLimits;
  private UnroutedEvents unrouted;
  private Clock clock;
  private Duration checkpointEvery;
  private String node;
  private Duration nodeTimeout;
  private boolean writing;
  private boolean takingOver;

  public Routing(
      Vertx vertx,
      Orchestrator orchestrator,
      TriggerIndex index,
      IdGenerator ids,
      int maxDepth,
      EventArchive archive) {
    this.vertx = vertx;
    this.archive = archive;
    this.orchestrator = orchestrator;
    this.index = index;
    this.ids = ids;
    this.maxChainDepth = maxDepth;
  }

  /** Starts workflows for {@code schedule.fired} events with this (see {@link ScheduleStarts}). */
  public Routing withSchedules(ScheduleStarts schedules) {
    this.schedules = schedules;
    return this;
  }

  /** Enforces the workflows' {@code rateLimit} with these counters (none: not enforced). */
  public Routing withRateLimits(RateLimits rateLimits) {
    this.rateLimits = rateLimits;
    return this;
  }

  /**
   * Keeps a checkpoint of the events this node stored and routed (see {@link #recover}): {@code
   * unrouted} is shared with ingestion, which adds each event before storing it. A node whose
   * checkpoint was not written for {@code nodeTimeout} is taken for dead, and one live node routes
   * the events it stored and had not routed.
   */
  public Routing withRecovery(
      UnroutedEvents unrouted,
      Clock clock,
      Duration checkpointEvery,
      String node,
      Duration nodeTimeout) {
    this.unrouted = unrouted;
    this.clock = clock;
    this.checkpointEvery = checkpointEvery;
    this.node = node;
    this.nodeTimeout = nodeTimeout;
    return this;
  }

  /** Loads the triggers of every active workflow and starts listening for events and changes. */
  public Future<Routing> start() {
    Definitions definitions = orchestrator.definitions();
    definitions.listen(
        new Definitions.Listener() {
          @Override
          public void saved(WorkflowDefinition latest) {
            index.put(latest);
          }

          @Override
          public void deleted(String workflowId) {
            index.remove(workflowId);
          }
        });
    vertx
        .eventBus()
        .<CloudEvent>consumer(
            EVENTS,
            m -> {
              String receivedAt = m.headers().get(RECEIVED_AT_HEADER);
              routeAndRecord(m.headers().get(STORE_ID_HEADER), m.body())
                  .onSuccess(
                      r -> {
                        if (unrouted != null && receivedAt != null) {
                          unrouted.done(Instant.ofEpochMilli(Long.parseLong(receivedAt)));
                        }
                      });
              // a failed routing stays pending: the checkpoint stays before it, and the next
              // start of this node routes the event again
            });
    vertx.eventBus().<CloudEvent>consumer(LifecycleBus.EMITTED, m -> routeLogged(m.body()));
    if (rateLimits != null) {
      vertx.setPeriodic(
          RATE_WINDOW_CLEANUP_MS,
          id ->
              rateLimits
                  .cleanUp()
                  .onFailure(e -> log.warn("rate limit cleanup failed: {}", e.toString())));
    }
    vertx.eventBus().<CloudEvent>consumer(LifecycleBus.LIFECYCLE, m -> routeLogged(m.body()));
    return definitions
        .store()
        .heads()
        .compose(
            heads -> {
              List<Future<Void>> loads = new ArrayList<>();
              heads.forEach(h -> loads.add(reload(h.id())));
              return Future.join(loads);
            })
        .map(x -> this);
  }

  /** Replaces the workflow's triggers by those of its latest version (none once deleted). */
  private Future<Void> reload(String workflowId) {
    return orchestrator
        .definitions()
        .latest(workflowId)
        .map(
            def -> {
              index.put(def);
              return (Void) null;
            })
        .recover(
            e -> {
              index.remove(workflowId);
              return Future.succeededFuture();
            });
  }

  /**
   * Routes again the events this node stored but may not have routed: those since its checkpoint
   * (minus {@link #MARGIN}) without a routing record, oldest first. A crash between an event's
   * store write and its routing would otherwise lose the routing (the event is kept, its producer
   * answered, and a resend is a duplicate). Routing again is safe: starts are idempotent per
   * (workflow, key), and an event without a record started nothing. Then writes the checkpoint
   * every {@code checkpointEvery}; not before, so that a crash during recovery loses nothing
   * either. Call once, after the engine's recovery.
   */
  public Future<Integer> recover() {
    if (unrouted == null) {
      return Future.succeededFuture(0);
    }
    return archive
        .checkpoint(node)
        .compose(
            checkpoint ->
                checkpoint == null
                    ? Future.succeededFuture(0)
                    : reroute(node, checkpoint.routedBefore().minus(MARGIN), null, 0))
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info("router recovery routed {} stored event(s) again", n);
              }
              vertx.setPeriodic(checkpointEvery.toMillis(), id -> checkpoint());
              long every = Math.max(100, nodeTimeout.toMillis() / 2);
              vertx.setPeriodic(every, id -> takeOver());
            })
        .onFailure(
            e ->
                log.error(
                    "router recovery failed; the checkpoint stays where it was, and the next start"
                        + " routes again from there",
                    e));
  }

  private Future<Integer> reroute(String owner, Instant since, String afterId, int count) {
    return archive
        .unroutedSince(owner, since, afterId, RECOVERY_PAGE)
        .compose(
            page -> {
              Future<Integer> done = Future.succeededFuture(count);
              for (EventArchive.Archived a : page) {
                done = done.compose(n -> routeAndRecord(a.storeId(), a.event()).map(r -> n + 1));
              }
              if (page.size() < RECOVERY_PAGE) {
                return done;
              }
              String last = page.get(page.size() - 1).storeId();
              return done.compose(n -> reroute(owner, since, last, n));
            });
  }

  /** Writes the checkpoint (also when it did not move: it says the node is alive). */
  Future<Void> checkpoint() {
    Instant now = Instant.ofEpochMilli(clock.millis());
    Instant before = unrouted.routedBefore(now);
    if (writing) {
      return Future.succeededFuture();
    }
    writing = true;
    return archive
        .checkpoint(new EventArchive.Checkpoint(node, before, now))
        .onComplete(
            ar -> {
              writing = false;
              if (ar.failed()) {
                log.warn("router checkpoint not written, will retry: {}", ar.cause().toString());
              }
            });
  }

  /**
   * Routes the unrouted events of the nodes whose checkpoint is older than {@code nodeTimeout}:
   * each such node is claimed by one live node, which routes the events it stored since its
   * checkpoint (minus {@link #MARGIN}) without a routing record, then moves its checkpoint to the
   * claim. A node taken for dead that is alive after all writes its checkpoint again and goes on;
   * what was routed twice is idempotent.
   */
  Future<Integer> takeOver() {
    if (takingOver) {
      return Future.succeededFuture(0);
    }
    takingOver = true;
    Instant now = Instant.ofEpochMilli(clock.millis());
    return archive
        .stale(node, now.minus(nodeTimeout))
        .compose(
            stale -> {
              Future<Integer> done = Future.succeededFuture(0);
              for (EventArchive.Checkpoint dead : stale) {
                done =
                    done.compose(
                        total ->
                            archive
                                .claim(dead, now)
                                .compose(
                                    claimed -> {
                                      if (!claimed) {
                                        return Future.succeededFuture(total);
                                      }
                                      return reroute(
                                              dead.node(),
                                              dead.routedBefore().minus(MARGIN),
                                              null,
                                              0)
                                          .compose(
                                              n -> {
                                                if (n > 0) {
                                                  log.info(
                                                      "node {} was last seen at {}: routed {}"
                                                          + " event(s) it had stored",
                                                      dead.node(),
                                                      dead.seenAt(),
                                                      n);
                                                }
                                                return archive
                                                    .checkpoint(
                                                        new EventArchive.Checkpoint(
                                                            dead.node(), now, now))
                                                    .map(v -> total + n);
                                              });
                                    }));
              }
              return done;
            })
        .onComplete(
            ar -> {
              takingOver = false;
              if (ar.failed()) {
                log.warn(
                    "taking over dead nodes' events failed, will retry: {}", ar.cause().toString());
              }
            });
  }

  /** Routes a stored event and records in the store what it did (when it did anything). */
  Future<Result> routeAndRecord(String storeId, CloudEvent event) {
    return route(event)
        .compose(
            result -> {
              if (storeId == null || result.isEmpty()) {
                return Future.succeededFuture(result);
              }
              return archive.record(storeId, result.toMap()).map(result);
            })
        .onFailure(
            e -> log.error("routing event {} from {} failed", event.id(), event.source(), e));
  }

  private void routeLogged(CloudEvent event) {
    route(event)
        .onFailure(
            e -> log.error("routing event {} from {} failed", event.id(), event.source(), e));
  }

  /** Starts what the event triggers and resumes what waits for it. */
  public Future<Result> route(CloudEvent event) {
    if (schedules != null && ScheduleStarts.isFire(event)) {
      return scheduleFire(event);
    }
    long depth = depth(event);
    List<Match> matches = index.match(event);
    if (!matches.isEmpty() && depth >= maxChainDepth) {
      stopChain(event, depth, matches);
      return orchestrator
          .engine()
          .correlate(event)
          .map(c -> new Result(List.of(), List.of(), c.offeredTo(), c.resumed()));
    }
    List<Future<Map<String, Object>>> starts = new ArrayList<>();
    for (Match m : matches) {
      starts.add(start(m, event));
    }
    Future<Engine.Correlation> offered = orchestrator.engine().correlate(event);
    return Future.join(starts)
        .transform(ar -> offered)
        .map(
            c -> {
              List<Map<String, Object>> started = new ArrayList<>();
              List<Map<String, Object>> failed = new ArrayList<>();
              List<Map<String, Object>> skipped = new ArrayList<>();
              for (Future<Map<String, Object>> f : starts) {
                if (f.succeeded()) {
                  started.add(f.result());
                } else if (f.cause() instanceof RateLimited limited) {
                  Match m = matches.get(starts.indexOf(f));
                  Map<String, Object> why = new LinkedHashMap<>();
                  why.put("workflowId", m.workflowId());
                  why.put("version", (long) m.version());
                  why.put("reason", limited.getMessage());
                  skipped.add(why);
                  log.info(
                      "event {} skipped by a rate limit: {}", event.id(), limited.getMessage());
                } else {
                  Map<String, Object> why = new LinkedHashMap<>();
                  Match m = matches.get(starts.indexOf(f));
                  why.put("workflowId", m.workflowId());
                  why.put("version", (long) m.version());
                  why.put("error", String.valueOf(f.cause().getMessage()));
                  failed.add(why);
                  log.warn(
                      "event {} could not start an instance: {}", event.id(), f.cause().toString());
                }
              }
              return new Result(started, failed, c.offeredTo(), c.resumed(), skipped);
            });
  }

  private Future<Result> scheduleFire(CloudEvent event) {
    return schedules
        .start(event)
        .map(entry -> new Result(List.of(entry), List.of(), 0, List.of()))
        .recover(
            e -> {
              log.warn("schedule fire {} {} started nothing: {}", event.source(), event.id(), e);
              Map<String, Object> why = new LinkedHashMap<>();
              why.put("source", event.source());
              why.put("error", String.valueOf(e.getMessage()));
              return Future.succeededFuture(new Result(List.of(), List.of(why), 0, List.of()));
            });
  }

  private Future<Map<String, Object>> start(Match m, CloudEvent event) {
    return orchestrator
        .definitions()
        .get(m.workflowId(), m.version())
        .compose(
            def -> {
              String key = key(m.trigger(), event);
              Object input = event.data() == null ? new LinkedHashMap<>() : event.data();
              orchestrator.checkInput(def, input);
              return withinRateLimit(def, event, input)
                  .compose(ignored -> startInstance(def, key, input, event, m));
            });
  }

  /** Fails with {@link RateLimited} when the workflow's rate limit refuses the event. */
  private Future<Void> withinRateLimit(WorkflowDefinition def, CloudEvent event, Object input) {
    RateLimit limit = def.rateLimit();
    if (limit == null || rateLimits == null) {
      return Future.succeededFuture();
    }
    String key;
    try {
      key =
          limit.key() == null
              ? ""
              : String.valueOf(
                  limit.key().evaluate(Map.of("event", event.asMap(), "input", input)));
    } catch (ExpressionException e) {
      return Future.failedFuture(
          new IllegalArgumentException("the rate limit's key " + e.getMessage(), e));
    }
    return rateLimits
        .admit(def.id(), key, event.identity(), limit.limit(), limit.period())
        .compose(
            admitted ->
                admitted
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new RateLimited(
                            "rateLimit: "
                                + limit.limit()
                                + (limit.limit() == 1 ? " start per " : " starts per ")
                                + limit.period()
                                + (limit.key() == null ? "" : " for key '" + key + "'")
                                + " reached")));
  }

  private Future<Map<String, Object>> startInstance(
      WorkflowDefinition def, String key, Object input, CloudEvent event, Match m) {
    return orchestrator
        .engine()
        .start(
            def,
            new Input.Start(ids.next(), key, input, event),
            Engine.OnConflict.of(m.trigger().onConflict()))
        .map(
            started -> {
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("workflowId", def.id());
              out.put("version", (long) def.version());
              out.put("instanceId", started.state().id());
              out.put("key", key);
              out.put("existing", started.existing());
              if (started.superseded() != null) {
                out.put("superseded", started.superseded());
              }
              return out;
            });
  }

  /** The trigger's key, or the event's identity: one instance per (workflow, key). */
  static String key(EventTrigger trigger, CloudEvent event) {
    if (trigger.key() == null) {
      return event.identity();
    }
    try {
      Object value = trigger.key().evaluate(Map.of("event", event.toMap()));
      return String.valueOf(value);
    } catch (ExpressionException e) {
      throw new IllegalArgumentException("the trigger's key " + e.getMessage(), e);
    }
  }

  private static long depth(CloudEvent event) {
    Object depth = event.extensions().get(Decider.CHAIN_DEPTH);
    if (depth instanceof Number n) {
      return n.longValue();
    }
    try {
      return depth == null ? 0 : Long.parseLong(depth.toString());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private void stopChain(CloudEvent event, long depth, List<Match> matches) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("eventId", event.id());
    data.put("eventSource", event.source());
    data.put("eventType", event.type());
    data.put("depth", depth);
    data.put("limit", (long) maxChainDepth);
    data.put("workflows", matches.stream().map(Match::workflowId).distinct().toList());
    data.put(
        "reason",
        "the event is "
            + depth
            + " workflow hops deep, at the limit of "
            + maxChainDepth
            + ": it starts no more workflows (router.maxChainDepth)");
    CloudEvent stopped =
        new CloudEvent(
            event.identity() + "/chain-stopped",
            "sluice/router",
            CHAIN_STOPPED,
            event.time(),
            event.subject(),
            "application/json",
            null,
            data,
            Map.of());
    log.warn("{}", data.get("reason"));
    vertx.eventBus().publish(CHAIN_STOPPED, stopped);
  }

  public TriggerIndex index() {
    return index;
  }
}
