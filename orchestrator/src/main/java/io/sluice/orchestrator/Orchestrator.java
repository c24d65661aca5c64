package io.sluice.orchestrator;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.expr.CelExpressions;
import io.sluice.core.id.IdGenerator;
import io.sluice.definition.DefinitionParser;
import io.sluice.orchestrator.api.InstanceRoutes;
import io.sluice.orchestrator.api.LifecycleStream;
import io.sluice.orchestrator.api.SubscriptionRoutes;
import io.sluice.orchestrator.api.TaskRoutes;
import io.sluice.orchestrator.api.WorkflowRoutes;
import io.sluice.orchestrator.engine.ChangeFeed;
import io.sluice.orchestrator.engine.Definitions;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.engine.EngineVerticle;
import io.sluice.orchestrator.engine.InputSchemas;
import io.sluice.orchestrator.engine.LifecycleSink;
import io.sluice.orchestrator.engine.RecentEvents;
import io.sluice.orchestrator.steps.StepTypes;
import io.sluice.orchestrator.store.MongoDefinitionStore;
import io.sluice.orchestrator.store.MongoInstanceStore;
import io.sluice.orchestrator.store.MongoSubscriptions;
import io.sluice.orchestrator.store.MongoTaskQueue;
import io.sluice.orchestrator.store.RelayCheckpoints;
import io.sluice.orchestrator.store.Subscriptions;
import io.sluice.orchestrator.webhooks.Webhooks;
import io.sluice.platform.LifecycleBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The orchestrator module assembled: stores, definitions, the engine and its HTTP routes. The
 * launcher creates one per node and mounts {@link #mount(Router)}.
 */
public final class Orchestrator {
  /** What the orchestrator needs from configuration. */
  public record Options(
      String node,
      Clock clock,
      IdGenerator ids,
      Duration checkpointInterval,
      int cacheSize,
      Duration waitMax,
      Duration lookBack,
      Duration changePoll,
      String kafkaBootstrap,
      String kafkaTopicPrefix) {}

  /** Definitions are reconciled with the store every this many change-feed polls. */
  private static final int RECONCILE_EVERY = 60;

  private final Vertx vertx;
  private final Options options;
  private final Definitions definitions;
  private final MongoInstanceStore instances;
  private final StepTypes stepTypes;
  private String deployment;
  private Engine engine;

  private Orchestrator(
      Vertx vertx,
      MongoDatabase db,
      Options options,
      StepTypes stepTypes,
      DefinitionParser.PatternCheck patterns) {
    this.vertx = vertx;
    this.options = options;
    this.stepTypes = stepTypes;
    this.instances = new MongoInstanceStore(db);
    DefinitionParser parser =
        new DefinitionParser(CelExpressions.workflow(), stepTypes::isKnown, patterns);
    MongoDefinitionStore definitionStore = new MongoDefinitionStore(db);
    this.definitions = new Definitions(vertx, definitionStore, parser, options.clock());
    this.checkpoints = new RelayCheckpoints(db);
    this.subscriptions = new MongoSubscriptions(db);
    this.tasks = new MongoTaskQueue(db);
    this.webhooks = new Webhooks(vertx, db, options.clock(), options.ids());
    this.definitionStore = definitionStore;
    this.changes =
        new ChangeFeed(
            vertx,
            db.getCollection(ChangeFeed.COLLECTION),
            options.node(),
            options.clock(),
            options.ids(),
            options.changePoll());
  }

  private final ChangeFeed changes;

  private final RelayCheckpoints checkpoints;
  private final MongoSubscriptions subscriptions;
  private final MongoTaskQueue tasks;
  private final Webhooks webhooks;
  private final InputSchemas inputSchemas = new InputSchemas();
  private final MongoDefinitionStore definitionStore;

  /**
   * Creates indexes and deploys the engine. Call {@link #recover()} once everything that listens to
   * lifecycle events (router, subscribers) is listening.
   */
  public static Future<Orchestrator> start(Vertx vertx, MongoDatabase db, Options options) {
    return start(
        vertx, db, options, RecentEvents.NONE, (pattern, pointer) -> List.of(), LifecycleSink.NONE);
  }

  /**
   * As {@link #start(Vertx, MongoDatabase, Options)}, with the event store's look-back for {@code
   * waitForEvent} steps, the router's check of trigger patterns (run at every save) and the intake
   * of the events {@code emit} steps publish (ingestion's admission: stored, then routed; {@link
   * LifecycleSink#NONE}: on the event bus only).
   */
  public static Future<Orchestrator> start(
      Vertx vertx,
      MongoDatabase db,
      Options options,
      RecentEvents recentEvents,
      DefinitionParser.PatternCheck patterns,
      LifecycleSink intake) {
    StepTypes types = StepTypes.load(vertx, Orchestrator.class.getClassLoader());
    Orchestrator o = new Orchestrator(vertx, db, options, types, patterns);
    return o.instances
        .ensureIndexes()
        .compose(v -> o.definitionStore.ensureIndexes())
        .compose(v -> o.subscriptions.loadTypes())
        .compose(v -> o.tasks.ensureIndexes())
        .compose(v -> o.webhooks.start())
        .compose(v -> o.definitions.replicate(o.changes, RECONCILE_EVERY))
        .compose(v -> o.changes.start())
        .compose(
            v -> {
              EngineVerticle verticle =
                  new EngineVerticle(
                      options.node(),
                      options.clock(),
                      o.instances,
                      o.definitions,
                      types,
                      o.checkpoints,
                      options.checkpointInterval(),
                      options.cacheSize(),
                      o.subscriptions,
                      TaskRoutes.notifying(o.tasks, vertx.eventBus()),
                      recentEvents,
                      options.lookBack(),
                      options.kafkaBootstrap(),
                      options.kafkaTopicPrefix(),
                      o.webhooks,
                      intake);
              return vertx
                  .deployVerticle(verticle)
                  .map(
                      id -> {
                        o.deployment = id;
                        o.engine = verticle.engine();
                        // before recover() re-runs attempts and before the API takes starts
                        types.register(
                            o.engine.childWorkflowStep(
                                o.definitions, o.inputSchemas, options.ids()),
                            vertx);
                        types.register(Engine.forEachStep(types), vertx);
                        return o;
                      });
            })
        .map(x -> o);
  }

  /**
   * Resumes what a previous run left unfinished: publishes again the events that may not have been
   * published, re-runs the step attempts that were running, re-arms timers.
   */
  public Future<Integer> recover() {
    return engine.recover();
  }

  /** Adds the workflow, instance and lifecycle-stream routes. */
  public void mount(Router router) {
    LifecycleBus.registerCodec(vertx.eventBus());
    new WorkflowRoutes(definitions, engine, options.ids(), options.waitMax(), inputSchemas)
        .mount(router);
    new InstanceRoutes(engine, instances, definitions, options.waitMax()).mount(router);
    new TaskRoutes(engine, tasks, options.clock(), options.waitMax()).mount(router);
    new SubscriptionRoutes(webhooks).mount(router);
    new LifecycleStream(vertx).mount(router);
  }

  public Future<Void> stop() {
    webhooks.stop();
    return changes
        .stop()
        .compose(v -> deployment == null ? Future.succeededFuture() : vertx.undeploy(deployment));
  }

  /**
   * The change feed between the nodes on this store: definitions use it; other components may add
   * topics (before their own start).
   */
  public ChangeFeed changes() {
    return changes;
  }

  public Engine engine() {
    return engine;
  }

  public Definitions definitions() {
    return definitions;
  }

  /**
   * Refuses an input that does not match the definition's {@code input.schema}: UNPROCESSABLE with
   * every violation under {@code /input}.
   */
  public void checkInput(io.sluice.definition.WorkflowDefinition definition, Object input) {
    inputSchemas.check(definition, input);
  }

  public io.sluice.orchestrator.store.InstanceStore instanceStore() {
    return instances;
  }

  public Subscriptions subscriptions() {
    return subscriptions;
  }

  public StepTypes stepTypes() {
    return stepTypes;
  }
}
