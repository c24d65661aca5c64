package io.sluice.orchestrator.engine;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.definition.DefinitionParser;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.store.DefinitionStore;
import io.sluice.orchestrator.store.DefinitionStore.Head;
import io.sluice.orchestrator.store.DefinitionStore.Version;
import io.sluice.orchestrator.store.DefinitionStore.VersionTakenException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Saving, reading and compiling workflow definitions. Each save of an id that changes the document
 * makes version N+1; saving an identical document again returns the current version (so applying
 * the same file twice is harmless). Compiled definitions are cached per (id, version): versions
 * never change once saved.
 *
 * <p>Parsing compiles CEL, which is CPU work (and about a second the first time in a JVM), so it
 * runs off the event loop.
 */
public final class Definitions {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Definitions.class);

  /** Event-bus address where the id of a workflow is published after each save or delete. */
  public static final String CHANGED = "sluice.definitions.changed";

  /**
   * Told of every save and delete on this node before the caller is answered, so what depends on
   * the active definitions (the trigger index) is current when a save returns.
   */
  public interface Listener {
    void saved(WorkflowDefinition latest);

    void deleted(String workflowId);
  }

  private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  public void listen(Listener listener) {
    listeners.add(listener);
  }

  /** The outcome of a save: the version now current and whether this save created it. */
  public record Saved(WorkflowDefinition definition, boolean created) {}

  private static final com.fasterxml.jackson.databind.ObjectMapper YAML =
      new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();

  private final Vertx vertx;
  private final DefinitionStore store;
  private final DefinitionParser parser;
  private final Clock clock;
  private final Map<String, Future<WorkflowDefinition>> compiled = new ConcurrentHashMap<>();

  /**
   * The latest version per workflow id, so a start costs no store read. Saves and deletes on this
   * node update it at once; what other nodes saved is seen within {@link #LATEST_TTL_MS}.
   */
  private final Map<String, Latest> latest = new ConcurrentHashMap<>();

  private static final long LATEST_TTL_MS = 1_000;

  private record Latest(int version, long readAt) {}

  public Definitions(Vertx vertx, DefinitionStore store, DefinitionParser parser, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.parser = parser;
    this.clock = clock;
  }

  /** Validates then parses text (JSON, or YAML when yaml) without storing anything. */
  public Future<WorkflowDefinition> parse(String text, boolean yaml) {
    return vertx.executeBlocking(() -> parser.parse(text, yaml), false);
  }

  /**
   * Saves a definition document. {@code pathId}, when given, must match the document's id (or the
   * document may omit it). Nothing is stored unless the document is valid.
   */
  public Future<Saved> save(String text, boolean yaml, String pathId) {
    return vertx
        .executeBlocking(
            () -> {
              Map<String, Object> doc = documentOf(text, yaml, pathId);
              return parser.parse(doc);
            },
            false)
        .compose(def -> saveParsed(def, 0));
  }

  private Map<String, Object> documentOf(String text, boolean yaml, String pathId) {
    if (pathId == null) {
      return parser.parse(text, yaml).source();
    }
    Map<String, Object> doc = readObject(text, yaml);
    if (doc == null) {
      parser.parse(text, yaml); // not an object: let the parser say precisely why
      return Map.of();
    }
    Object id = doc.get("id");
    if (id != null && !pathId.equals(id)) {
      throw ProblemException.of(
          ProblemException.Kind.UNPROCESSABLE,
          "the definition's id must match the URL",
          Problem.at("/id", "expected '" + pathId + "' as in the URL, but got '" + id + "'"));
    }
    Map<String, Object> withId = new LinkedHashMap<>();
    withId.put("id", pathId);
    withId.putAll(doc);
    return withId;
  }

  /** The document as a map, or null if the text is not a well-formed object. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> readObject(String text, boolean yaml) {
    try {
      Object value = Json.normalize((yaml ? YAML : Json.mapper()).readValue(text, Object.class));
      return value instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private Future<Saved> saveParsed(WorkflowDefinition def, int tries) {
    String hash = hash(def.source());
    Instant now = Instant.ofEpochMilli(clock.millis());
    return store
        .latest(def.id())
        .compose(
            stored ->
                store
                    .head(def.id())
                    .compose(
                        head -> {
                          boolean live = head != null && !head.deleted();
                          if (stored != null && live && stored.hash().equals(hash)) {
                            return get(def.id(), stored.version()).map(d -> new Saved(d, false));
                          }
                          int version = stored == null ? 1 : stored.version() + 1;
                          WorkflowDefinition numbered = def.withVersion(version);
                          return store
                              .insert(new Version(def.id(), version, def.source(), hash, now))
                              .compose(v -> store.advanceHead(def.id(), def.name(), version, now))
                              .map(
                                  v -> {
                                    compiled.put(
                                        key(def.id(), version), Future.succeededFuture(numbered));
                                    latest.remove(def.id());
                                    announce(
                                        def.id(),
                                        new Seen(version, false),
                                        () -> listeners.forEach(l -> l.saved(numbered)));
                                    vertx.eventBus().publish(CHANGED, def.id());
                                    return new Saved(numbered, true);
                                  })
                              .compose(saved -> tellOtherNodes(def.id()).map(saved));
                        }))
        .recover(
            e -> {
              if (e instanceof VersionTakenException && tries < 10) {
                return saveParsed(def, tries + 1);
              }
              return Future.failedFuture(e);
            });
  }

  /** The compiled version, or a NOT_FOUND problem. */
  public Future<WorkflowDefinition> get(String id, int version) {
    String key = key(id, version);
    Future<WorkflowDefinition> cached = compiled.get(key);
    if (cached != null) {
      return cached;
    }
    Future<WorkflowDefinition> loading =
        store
            .version(id, version)
            .compose(
                v -> {
                  if (v == null) {
                    return Future.failedFuture(
                        ProblemException.of(
                            ProblemException.Kind.NOT_FOUND,
                            "workflow '" + id + "' has no version " + version));
                  }
                  return vertx.executeBlocking(
                      () -> parser.parse(v.source()).withVersion(version), false);
                });
    compiled.put(key, loading);
    return loading.onFailure(e -> compiled.remove(key, loading));
  }

  /** The latest version of a workflow that is not deleted, or a NOT_FOUND problem. */
  public Future<WorkflowDefinition> latest(String id) {
    Latest known = latest.get(id);
    long now = clock.millis();
    if (known != null && now - known.readAt() < LATEST_TTL_MS) {
      return get(id, known.version());
    }
    return store
        .head(id)
        .compose(
            head -> {
              if (head == null || head.deleted()) {
                return Future.failedFuture(notFound(id, head));
              }
              return store
                  .latest(id)
                  .compose(
                      v -> {
                        latest.put(id, new Latest(v.version(), now));
                        return get(id, v.version());
                      });
            });
  }

  /** The head (latest version, deleted flag), or a NOT_FOUND problem. */
  public Future<Head> head(String id) {
    return store
        .head(id)
        .compose(
            h -> h == null ? Future.failedFuture(notFound(id, null)) : Future.succeededFuture(h));
  }

  public Future<Boolean> delete(String id) {
    latest.remove(id);
    return store
        .delete(id, Instant.ofEpochMilli(clock.millis()))
        .onComplete(
            ar -> {
              latest.remove(id);
              if (ar.succeeded() && ar.result()) {
                Seen before = announced.get(id);
                announce(
                    id,
                    new Seen(before == null ? 0 : before.version(), true),
                    () -> listeners.forEach(l -> l.deleted(id)));
              }
              vertx.eventBus().publish(CHANGED, id);
            })
        .compose(deleted -> deleted ? tellOtherNodes(id).map(true) : Future.succeededFuture(false));
  }

  // ---- other nodes -------------------------------------------------------------------------

  /**
   * A version told to the listeners: versions only grow, and a delete of version N comes after its
   * save.
   */
  private record Seen(int version, boolean deleted) {
    boolean newerThan(Seen other) {
      return other == null
          || version > other.version
          || (version == other.version && deleted && !other.deleted);
    }
  }

  /** What the listeners were last told per workflow id. */
  private final Map<String, Seen> announced = new ConcurrentHashMap<>();

  private ChangeFeed feed;

  /**
   * Keeps this node's listeners current with saves and deletes made on other nodes: each one is
   * seen through the change feed within its poll interval, and every {@code reconcileEvery} polls
   * the heads are compared with what the listeners were told (a node that crashed between storing a
   * version and recording the change is caught up so). Call before the listeners load.
   */
  public Future<Void> replicate(ChangeFeed feed, int reconcileEvery) {
    this.feed = feed;
    feed.on(TOPIC, this::changedElsewhere);
    feed.every(reconcileEvery, this::reconcile);
    return store
        .heads()
        .map(
            heads -> {
              heads.forEach(h -> announced.putIfAbsent(h.id(), new Seen(h.latest(), h.deleted())));
              return null;
            });
  }

  /** The change-feed topic of definitions; the ref is the workflow id. */
  public static final String TOPIC = "definitions";

  private Future<Void> tellOtherNodes(String id) {
    return feed == null ? Future.succeededFuture() : feed.publish(TOPIC, id);
  }

  /** Another node saved or deleted the workflow: tell the listeners what the store now holds. */
  void changedElsewhere(String id) {
    latest.remove(id);
    store
        .head(id)
        .compose(
            head -> {
              if (head == null) {
                return Future.succeededFuture();
              }
              if (head.deleted()) {
                announce(
                    id, new Seen(head.latest(), true), () -> listeners.forEach(l -> l.deleted(id)));
                return Future.succeededFuture();
              }
              return get(id, head.latest())
                  .map(
                      def -> {
                        announce(
                            id,
                            new Seen(head.latest(), false),
                            () -> listeners.forEach(l -> l.saved(def)));
                        return null;
                      });
            })
        .onFailure(e -> log.warn("loading workflow {} changed on another node failed", id, e));
  }

  private void reconcile() {
    store
        .heads()
        .onSuccess(
            heads ->
                heads.forEach(
                    h -> {
                      if (new Seen(h.latest(), h.deleted()).newerThan(announced.get(h.id()))) {
                        changedElsewhere(h.id());
                      }
                    }))
        .onFailure(e -> log.warn("reconciling definitions failed: {}", e.toString()));
  }

  /** Tells the listeners when {@code seen} is newer than what they were told, once. */
  private void announce(String id, Seen seen, Runnable tell) {
    boolean[] newer = {false};
    announced.compute(
        id,
        (k, before) -> {
          newer[0] = seen.newerThan(before);
          return newer[0] ? seen : before;
        });
    if (newer[0]) {
      tell.run();
    }
  }

  public DefinitionStore store() {
    return store;
  }

  private static ProblemException notFound(String id, Head head) {
    String why = head != null && head.deleted() ? " (it was deleted)" : "";
    return ProblemException.of(
        ProblemException.Kind.NOT_FOUND, "there is no workflow '" + id + "'" + why);
  }

  private static String key(String id, int version) {
    return id + "@" + version;
  }

  static String hash(Map<String, Object> source) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest(Json.write(source).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
