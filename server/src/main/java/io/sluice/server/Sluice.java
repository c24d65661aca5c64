package io.sluice.server;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.TimeOrderedIds;
import io.sluice.core.json.Json;
import io.sluice.ingestion.Ingestion;
import io.sluice.ingestion.IngestionOptions;
import io.sluice.ingestion.event.Entry;
import io.sluice.ingestion.store.EventQuery;
import io.sluice.ingestion.store.EventStore;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.engine.LifecycleSink;
import io.sluice.orchestrator.engine.RecentEvents;
import io.sluice.platform.Http;
import io.sluice.platform.Rx;
import io.sluice.platform.UnroutedEvents;
import io.sluice.router.TriggerIndex;
import io.sluice.router.pattern.EventPattern;
import io.sluice.router.routing.EventArchive;
import io.sluice.router.routing.RateLimits;
import io.sluice.router.routing.ReplayRoutes;
import io.sluice.router.routing.Routing;
import io.sluice.router.routing.RuleRoutes;
import io.sluice.router.routing.ScheduleStarts;
import io.sluice.scheduler.ScheduleRoutes;
import io.sluice.scheduler.Scheduler;
import io.sluice.server.store.EmbeddedMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Sluice node: the store (embedded or external), Vert.x, the orchestrator and the HTTP API,
 * composed. {@link #start} and {@link #stop} are blocking and meant for {@code main} and tests.
 */
public final class Sluice {
  private static final Logger log = LoggerFactory.getLogger(Sluice.class);

  /**
   * Set to make Vert.x check for blocked event loops every 100 ms and report (with a stack trace)
   * any task over 2 s; tests fail on the report. 2 s is Vert.x's own limit: shorter limits reported
   * GC pauses and a descheduled thread on a loaded 2-core machine, not blocking calls.
   */
  public static final String STRICT_EVENT_LOOP = "sluice.strictEventLoop";

  private final SluiceConfig config;
  private EmbeddedMongo embedded;
  private MongoClient client;
  private Vertx vertx;
  private Orchestrator orchestrator;
  private Ingestion ingestion;
  private Routing routing;
  private Scheduler scheduler;
  private MongoDatabase db;
  private HttpServer http;
  private List<String> routes = List.of();
  private JvmGcMetrics gcMetrics;
  private final PrometheusMeterRegistry metrics =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  private Sluice(SluiceConfig config) {
    this.config = config;
  }

  /** Starts a node; blocks until it serves, or throws. */
  public static Sluice start(SluiceConfig config) {
    Sluice node = new Sluice(config);
    try {
      node.boot();
      return node;
    } catch (RuntimeException | Error e) {
      node.stop();
      throw e;
    }
  }

  private void boot() {
    String uri = config.get(Setting.MONGO_URI);
    if (uri.isBlank()) {
      embedded = EmbeddedMongo.start(config.get(Setting.DATA_DIR));
      uri = embedded.connectionString();
    }
    client =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(uri))
                .applyToConnectionPoolSettings(b -> b.maxSize(64))
                .build());
    db = client.getDatabase(config.get(Setting.MONGO_DATABASE));
    vertx = Vertx.vertx(vertxOptions());
    new JvmMemoryMetrics().bindTo(metrics);
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    Clock clock = Clock.systemUTC();
    Orchestrator.Options options =
        new Orchestrator.Options(
            config.get(Setting.NODE_ID),
            clock,
            new TimeOrderedIds(clock),
            config.get(Setting.ORCHESTRATOR_CHECKPOINT_INTERVAL),
            config.get(Setting.ORCHESTRATOR_INSTANCE_CACHE_SIZE),
            config.get(Setting.HTTP_WAIT_MAX),
            config.get(Setting.ROUTER_LOOK_BACK),
            config.get(Setting.CLUSTER_CHANGE_POLL),
            config.get(Setting.KAFKA_BOOTSTRAP),
            config.get(Setting.KAFKA_TOPIC_PREFIX));
    UnroutedEvents unrouted = new UnroutedEvents();
    ingestion =
        await(
            Ingestion.start(
                vertx,
                db,
                IngestionOptions.from(config, clock, new TimeOrderedIds(clock)),
                unrouted));
    orchestrator =
        await(
            Orchestrator.start(
                vertx,
                db,
                options,
                recentEvents(ingestion),
                EventPattern::check,
                emittedIntake(ingestion)));
    ScheduleStarts scheduleStarts =
        new ScheduleStarts(
            orchestrator, db.getCollection(Scheduler.COLLECTION), new TimeOrderedIds(clock));
    routing =
        await(
            new Routing(
                    vertx,
                    orchestrator,
                    new TriggerIndex(),
                    new TimeOrderedIds(clock),
                    config.get(Setting.ROUTER_MAX_CHAIN_DEPTH),
                    archive(ingestion))
                .withSchedules(scheduleStarts)
                .withRateLimits(new RateLimits(db.getCollection(RateLimits.COLLECTION), clock))
                .withRecovery(
                    unrouted,
                    clock,
                    config.get(Setting.ORCHESTRATOR_CHECKPOINT_INTERVAL),
                    config.get(Setting.NODE_ID),
                    config.get(Setting.ROUTER_NODE_TIMEOUT))
                .start());
    // only now that the router listens: events republished by recovery must reach it
    await(orchestrator.recover());
    // then the events this node stored before a crash and may not have routed
    await(routing.recover());
    String kafka = config.get(Setting.KAFKA_BOOTSTRAP);
    if (!kafka.isBlank()) {
      // after recovery, like every other source of events: the router is listening
      await(
          ingestion.consumeKafka(
              kafka, config.get(Setting.KAFKA_INGEST_TOPICS), config.get(Setting.KAFKA_GROUP_ID)));
    }
    scheduler =
        await(
            new Scheduler(
                    vertx,
                    orchestrator,
                    ingestion.admission(),
                    db.getCollection(Scheduler.COLLECTION),
                    clock,
                    config.get(Setting.SCHEDULER_MAX_CATCH_UP),
                    scheduleStarts)
                .bindMetrics(metrics)
                .start());
    Router router = Router.router(vertx);
    router
        .route()
        .handler(
            BodyHandler.create(false).setBodyLimit(config.get(Setting.INGESTION_MAX_BODY_BYTES)));
    router.get("/health/live").handler(ctx -> Http.json(ctx, 200, Map.of("status", "UP")));
    router
        .get("/health/ready")
        .handler(
            ctx ->
                Rx.first(db.runCommand(new Document("ping", 1)))
                    .onSuccess(d -> Http.json(ctx, 200, Map.of("status", "UP")))
                    .onFailure(
                        e ->
                            Http.json(
                                ctx,
                                503,
                                Map.of(
                                    "status", "DOWN", "store", String.valueOf(e.getMessage())))));
    router
        .get("/metrics")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(metrics.scrape()));
    orchestrator.mount(router);
    ingestion.mount(router);
    new RuleRoutes(routing.index()).mount(router);
    new ScheduleRoutes(scheduler).mount(router);
    new ReplayRoutes(routing, orchestrator.instanceStore(), archive(ingestion), clock)
        .mount(router);
    new ApiDocs().mount(router);
    routes = routes(router);
    router.route().last().handler(ctx -> ctx.fail(404));
    router.route().failureHandler(Http::failure);
    http =
        await(
            vertx
                .createHttpServer(new HttpServerOptions().setCompressionSupported(true))
                .requestHandler(router)
                .listen(config.get(Setting.HTTP_PORT), config.get(Setting.HTTP_HOST)));
  }

  /** The event store as the router sees it: routing records and time ranges for replays. */
  private static EventArchive archive(Ingestion ingestion) {
    return new EventArchive() {
      @Override
      public Future<Void> record(String storeId, Map<String, Object> routing) {
        return ingestion.events().recordRouting(storeId, routing);
      }

      @Override
      public Future<List<Archived>> unroutedSince(
          String node, Instant since, String afterStoreId, int limit) {
        return ingestion
            .events()
            .unroutedSince(node, since, afterStoreId, limit)
            .map(page -> page.stream().map(e -> new Archived(e.id(), e.event())).toList());
      }

      @Override
      public Future<Checkpoint> checkpoint(String node) {
        return ingestion.events().routerCheckpoint(node).map(Sluice::checkpoint);
      }

      @Override
      public Future<Void> checkpoint(Checkpoint c) {
        return ingestion
            .events()
            .routerCheckpoint(
                new EventStore.RouterCheckpoint(c.node(), c.routedBefore(), c.seenAt()));
      }

      @Override
      public Future<List<Checkpoint>> stale(String self, Instant seenBefore) {
        return ingestion
            .events()
            .staleRouterCheckpoints(self, seenBefore)
            .map(all -> all.stream().map(Sluice::checkpoint).toList());
      }

      @Override
      public Future<Boolean> claim(Checkpoint stale, Instant now) {
        return ingestion
            .events()
            .claimRouterCheckpoint(
                new EventStore.RouterCheckpoint(stale.node(), stale.routedBefore(), stale.seenAt()),
                now);
      }

      @Override
      public Future<List<Archived>> between(String type, Instant since, Instant until, int limit) {
        return collect(type, since, until, limit, null, new ArrayList<>());
      }

      private Future<List<Archived>> collect(
          String type, Instant since, Instant until, int limit, String before, List<Archived> acc) {
        return ingestion
            .events()
            .list(new EventQuery(type, null, null, since, before, 500))
            .compose(
                page -> {
                  for (var e : page.items()) {
                    if (e.receivedAt().isBefore(until)) {
                      acc.add(new Archived(e.id(), e.event()));
                    }
                  }
                  if (page.next() == null) {
                    java.util.Collections.reverse(acc);
                    return Future.succeededFuture(acc.size() > limit ? acc.subList(0, limit) : acc);
                  }
                  return collect(type, since, until, limit, page.next(), acc);
                });
      }
    };
  }

  /**
   * Where the events of {@code emit} steps enter Sluice: ingestion's admission, as every event
   * (stored once per identity, checked against its type's schema, then routed; a refused one is a
   * dead letter with the reason). Fails only when the store does: the outbox relay tries again.
   */
  private static LifecycleSink emittedIntake(Ingestion ingestion) {
    return events -> {
      List<Entry> entries = new ArrayList<>(events.size());
      for (int i = 0; i < events.size(); i++) {
        CloudEvent e = events.get(i);
        entries.add(Entry.read(i, e, Json.write(e.toMap())));
      }
      return ingestion.admission().admitAll(entries, "emit").mapEmpty();
    };
  }

  private static EventArchive.Checkpoint checkpoint(EventStore.RouterCheckpoint c) {
    return c == null ? null : new EventArchive.Checkpoint(c.node(), c.routedBefore(), c.seenAt());
  }

  /** The event store as the look-back of waitForEvent steps: events of a type since a time. */
  private static RecentEvents recentEvents(Ingestion ingestion) {
    return (type, since) ->
        ingestion
            .events()
            .list(new EventQuery(type, null, null, since, null, 500))
            .map(
                page -> {
                  List<CloudEvent> oldestFirst = new ArrayList<>();
                  page.items().forEach(e -> oldestFirst.add(0, e.event()));
                  return oldestFirst;
                });
  }

  private static VertxOptions vertxOptions() {
    VertxOptions options = new VertxOptions();
    if (Boolean.getBoolean(STRICT_EVENT_LOOP)) {
      options
          .setBlockedThreadCheckInterval(100)
          .setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
          .setMaxEventLoopExecuteTime(2000)
          .setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
          .setWarningExceptionTime(2000)
          .setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }

  /** The port HTTP listens on (useful with {@code http.port=0}). */
  public int port() {
    return http.actualPort();
  }

  /**
   * The connection string of the store this node uses: the embedded server's (another node can join
   * it, as tests do) or the configured {@code mongo.uri}.
   */
  public String storeUri() {
    return embedded != null ? embedded.connectionString() : config.get(Setting.MONGO_URI);
  }

  /** One line for the log: where it listens and where it keeps data. */
  public String describe() {
    String store =
        embedded != null
            ? "storing data in "
                + embedded.file().toAbsolutePath().normalize()
                + " (embedded store)"
            : "storing data in MongoDB database '"
                + config.get(Setting.MONGO_DATABASE)
                + "' (external store)";
    String host = config.get(Setting.HTTP_HOST);
    return "Sluice listening on http://"
        + ("0.0.0.0".equals(host) ? "localhost" : host)
        + ":"
        + port()
        + ", "
        + store;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The node's database (tests run a second scheduler service against it). */
  public MongoDatabase database() {
    return db;
  }

  public Ingestion ingestion() {
    return ingestion;
  }

  /** The node's metrics, as {@code GET /metrics} serves them (Prometheus text format). */
  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public Orchestrator orchestrator() {
    return orchestrator;
  }

  /** Stops accepting requests, stops the engine, closes the store. Blocking; idempotent. */
  public synchronized void stop() {
    try {
      if (http != null) {
        await(http.close());
      }
      if (scheduler != null) {
        await(scheduler.stop());
      }
      if (ingestion != null) {
        await(ingestion.stop());
      }
      if (orchestrator != null) {
        await(orchestrator.stop());
      }
      if (vertx != null) {
        await(vertx.close());
      }
    } catch (RuntimeException e) {
      log.warn("shutting down Vert.x failed: {}", e.toString());
    } finally {
      http = null;
      scheduler = null;
      orchestrator = null;
      ingestion = null;
      vertx = null;
      if (client != null) {
        client.close();
        client = null;
      }
      if (embedded != null) {
        embedded.close();
        embedded = null;
      }
      if (gcMetrics != null) {
        gcMetrics.close();
        gcMetrics = null;
      }
    }
  }

  private <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("timed out after 60 s", e);
    }
  }

  /** The requests the API answers, as {@code "GET /v1/workflows/{id}"}: for OpenApiTest. */
  List<String> routes() {
    return routes;
  }

  private static List<String> routes(Router router) {
    List<String> out = new ArrayList<>();
    for (Route r : router.getRoutes()) {
      if (r.getPath() == null || r.methods() == null) {
        continue;
      }
      String path = r.getPath().replaceAll(":([A-Za-z]+)", "{$1}");
      r.methods().forEach(m -> out.add(m.name() + " " + path));
    }
    return List.copyOf(out);
  }
}
