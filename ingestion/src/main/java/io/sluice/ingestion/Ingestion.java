package io.sluice.ingestion;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.sluice.core.expr.CelExpressions;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.event.EventReader;
import io.sluice.ingestion.event.JsonBodies;
import io.sluice.ingestion.hooks.HookEvents;
import io.sluice.ingestion.hooks.MongoSourceStore;
import io.sluice.ingestion.hooks.Sources;
import io.sluice.ingestion.http.EventRoutes;
import io.sluice.ingestion.http.HookRoutes;
import io.sluice.ingestion.http.SchemaRoutes;
import io.sluice.ingestion.schema.MongoSchemaStore;
import io.sluice.ingestion.schema.Schemas;
import io.sluice.ingestion.store.MongoDeadLetters;
import io.sluice.ingestion.store.MongoEventStore;
import io.sluice.platform.LifecycleBus;
import io.sluice.platform.UnroutedEvents;
import io.sluice.validation.SchemaDocuments;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion module assembled: event store, dead letters, schema registry, webhook sources and
 * their HTTP routes. Accepted events are published on the event bus at {@link Admission#ADDRESS}.
 * The launcher creates one per node, {@link #mount mounts} it on its router (behind a body handler
 * limited to {@code ingestion.maxBodyBytes}) and {@link #stop stops} it on shutdown.
 */
public final class Ingestion {
  private static final Logger log = LoggerFactory.getLogger(Ingestion.class);
  private static final Duration CLEANUP_EVERY = Duration.ofMinutes(1);

  private final Vertx vertx;
  private final IngestionOptions options;
  private final MongoEventStore events;
  private final MongoDeadLetters deadLetters;
  private final Schemas schemas;
  private final JsonBodies json;
  private Admission admission;
  private Sources sources;
  private HookEvents hookEvents;
  private long cleanupTimer = -1;
  private io.sluice.ingestion.kafka.KafkaIngest kafka;

  private final UnroutedEvents unrouted;

  private Ingestion(
      Vertx vertx, MongoDatabase db, IngestionOptions options, UnroutedEvents unrouted) {
    this.vertx = vertx;
    this.options = options;
    this.unrouted = unrouted;
    this.events = new MongoEventStore(db, options.node());
    this.deadLetters = new MongoDeadLetters(db);
    this.schemas = new Schemas(vertx, new MongoSchemaStore(db), options.clock());
    this.json = new JsonBodies(options.maxJsonDepth());
    this.sourceStore = new MongoSourceStore(db);
  }

  private final MongoSourceStore sourceStore;

  /**
   * Creates the indexes, prepares the expression environment and the meta-schema (off the event
   * loop), and starts the dead-letter cleanup.
   */
  public static Future<Ingestion> start(
      Vertx vertx, MongoDatabase db, IngestionOptions options, UnroutedEvents unrouted) {
    Ingestion in = new Ingestion(vertx, db, options, unrouted);
    LifecycleBus.registerCodec(vertx.eventBus());
    return in.events
        .ensureIndexes()
        .compose(v -> in.deadLetters.ensureIndexes())
        .compose(v -> in.schemas.store().ensureIndexes())
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      SchemaDocuments.problems(Map.of()); // loads the meta-schema once
                      return new CelExpressions(HookEvents.VARIABLES);
                    }))
        .map(
            cel -> {
              in.hookEvents = new HookEvents(cel, in.json);
              in.sources = new Sources(vertx, in.sourceStore, cel, options.clock());
              in.admission =
                  new Admission(
                      in.schemas,
                      in.events,
                      in.deadLetters,
                      vertx.eventBus(),
                      options.clock(),
                      options.ids(),
                      options.requireSchema(),
                      in.unrouted);
              in.cleanupTimer = vertx.setPeriodic(0, CLEANUP_EVERY.toMillis(), id -> in.cleanUp());
              return in;
            });
  }

  /** Adds the event, schema, source and hook routes. */
  public void mount(Router router) {
    EventReader reader = new EventReader(options.maxJsonDepth(), options.maxBatchEvents());
    new EventRoutes(reader, admission, events, deadLetters).mount(router);
    new SchemaRoutes(schemas, json).mount(router);
    new HookRoutes(sources, hookEvents, admission, options.clock(), options.signatureTolerance())
        .mount(router);
  }

  /** Removes dead letters older than the retention. */
  Future<Long> cleanUp() {
    return deadLetters
        .removeBefore(options.clock().instant().minus(options.deadLetterRetention()))
        .onSuccess(
            n -> {
              if (n > 0) {
                log.info("removed {} dead letters older than {}", n, options.deadLetterRetention());
              }
            })
        .onFailure(e -> log.warn("dead-letter cleanup failed, will retry: {}", e.toString()));
  }

  /** Admission of events produced inside the node (the scheduler's schedule.fired events). */
  public io.sluice.ingestion.admission.Admission admission() {
    return admission;
  }

  /** The event store (for the look-back of waitForEvent steps, replay and event details). */
  public io.sluice.ingestion.store.EventStore events() {
    return events;
  }

  /**
   * Consumes events from Kafka topics through the same admission as {@code POST /v1/events} (SPEC
   * §7); records it cannot accept go to {@code <topic>.dlq}.
   */
  public Future<Void> consumeKafka(String bootstrap, List<String> topics, String groupId) {
    EventReader reader = new EventReader(options.maxJsonDepth(), options.maxBatchEvents());
    kafka =
        new io.sluice.ingestion.kafka.KafkaIngest(
            vertx, reader, admission, bootstrap, topics, groupId);
    return kafka.start();
  }

  public Future<Void> stop() {
    if (cleanupTimer >= 0) {
      vertx.cancelTimer(cleanupTimer);
      cleanupTimer = -1;
    }
    return kafka == null ? Future.succeededFuture() : kafka.stop();
  }
}
