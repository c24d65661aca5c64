package io.sluice.orchestrator.engine;

import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.steps.StepTypes;
import io.sluice.orchestrator.store.InstanceStore;
import io.sluice.orchestrator.store.RelayCheckpoints;
import io.sluice.orchestrator.store.Subscriptions;
import io.sluice.orchestrator.store.TaskQueue;
import io.sluice.platform.LifecycleBus;
import io.vertx.core.AbstractVerticle;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Gives the engine its own event-loop context and runs its periodic work (outbox checkpoint). */
public final class EngineVerticle extends AbstractVerticle {
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(EngineVerticle.class);
  private final String node;
  private final Clock clock;
  private final InstanceStore store;
  private final Definitions definitions;
  private final StepTypes types;
  private final RelayCheckpoints checkpoints;
  private final Duration checkpointInterval;
  private final int cacheSize;
  private final Subscriptions subscriptions;
  private final TaskQueue tasks;
  private final RecentEvents recentEvents;
  private final Duration lookBack;
  private final String kafkaBootstrap;
  private final String kafkaTopicPrefix;
  private final LifecycleSink webhooks;
  private final LifecycleSink intake;
  private Engine engine;

  public EngineVerticle(
      String node,
      Clock clock,
      InstanceStore store,
      Definitions definitions,
      StepTypes types,
      RelayCheckpoints checkpoints,
      Duration checkpointInterval,
      int cacheSize,
      Subscriptions subscriptions,
      TaskQueue tasks,
      RecentEvents recentEvents,
      Duration lookBack,
      String kafkaBootstrap,
      String kafkaTopicPrefix,
      LifecycleSink webhooks,
      LifecycleSink intake) {
    this.webhooks = webhooks;
    this.intake = intake;
    this.kafkaBootstrap = kafkaBootstrap;
    this.kafkaTopicPrefix = kafkaTopicPrefix;
    this.node = node;
    this.clock = clock;
    this.store = store;
    this.definitions = definitions;
    this.types = types;
    this.checkpoints = checkpoints;
    this.checkpointInterval = checkpointInterval;
    this.cacheSize = cacheSize;
    this.subscriptions = subscriptions;
    this.tasks = tasks;
    this.recentEvents = recentEvents;
    this.lookBack = lookBack;
  }

  @Override
  public void start() {
    LifecycleBus bus = new LifecycleBus(vertx);
    LifecycleSink kafka =
        kafkaBootstrap == null || kafkaBootstrap.isBlank()
            ? LifecycleSink.NONE
            : new KafkaLifecycleSink(vertx, kafkaBootstrap, kafkaTopicPrefix);
    LifecycleSink sink = LifecycleSink.all(List.of(kafka, webhooks));
    OutboxRelay relay = new OutboxRelay(node, clock, store, checkpoints, bus, sink, intake, vertx);
    TimerService timers = new TimerService(vertx, clock);
    engine =
        new Engine(
            vertx,
            context,
            clock,
            new Decider(node),
            store,
            definitions,
            new StepRunner(types),
            relay,
            timers,
            cacheSize,
            subscriptions,
            tasks,
            recentEvents,
            lookBack);
    timers.onFire(engine::deliver);
    long period = Math.max(10, checkpointInterval.toMillis());
    vertx.setPeriodic(
        period,
        id ->
            engine
                .checkpoint()
                .onFailure(
                    e -> log.warn("writing the outbox checkpoint failed: {}", e.toString())));
  }

  public Engine engine() {
    return engine;
  }
}
