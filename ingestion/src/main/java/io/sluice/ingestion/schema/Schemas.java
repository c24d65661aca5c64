package io.sluice.ingestion.schema;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.validation.DataSchemaRef;
import io.sluice.validation.SchemaDocuments;
import io.sluice.validation.SchemaValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The event schema registry: registers versions (each checked against the 2020-12 meta-schema and
 * compiled before it is stored) and checks events' data against the version their {@code
 * dataschema} names, else the latest.
 *
 * <p>Compiled schemas are cached for good (a version never changes). Which versions a type has is
 * cached for {@link #REFRESH} (a version registered through another node is seen within that time;
 * through this node at once). Compilation runs on a worker thread, never on the event loop. Call
 * from a Vert.x context; thread-safe.
 */
public final class Schemas {
  /** How long this node trusts its list of a type's versions. */
  public static final Duration REFRESH = Duration.ofSeconds(5);

  private static final int REGISTER_ATTEMPTS = 5;

  /** The outcome of a registration; {@code created} false when the same document was latest. */
  public record Registration(SchemaVersion version, boolean created) {}

  /** The version an event was checked against (null: none registered) and its violations. */
  public record Check(Integer version, List<Problem> problems) {}

  private record Known(Instant loadedAt, NavigableMap<Integer, String> schemaIds) {}

  private final Vertx vertx;
  private final MongoSchemaStore store;
  private final Clock clock;
  private final Map<String, Known> known = new ConcurrentHashMap<>();
  private final Map<String, Future<SchemaValidator>> compiled = new ConcurrentHashMap<>();

  public Schemas(Vertx vertx, MongoSchemaStore store, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.clock = clock;
  }

  public MongoSchemaStore store() {
    return store;
  }

  /**
   * Registers {@code schema} as the next version of {@code type}, unless it is the latest version
   * already. Fails with a 422 {@link ProblemException} listing every problem of an unusable schema.
   */
  public Future<Registration> register(String type, Object schema) {
    return vertx
        .executeBlocking(() -> SchemaDocuments.problems(schema))
        .compose(
            problems -> {
              if (!problems.isEmpty()) {
                return Future.failedFuture(
                    new ProblemException(
                        Kind.UNPROCESSABLE,
                        "the schema is not a usable JSON Schema 2020-12",
                        problems));
              }
              return insertNext(type, schema, sha256(Json.write(schema)), REGISTER_ATTEMPTS);
            });
  }

  private Future<Registration> insertNext(String type, Object schema, String hash, int attempts) {
    return store
        .latest(type)
        .compose(
            latest -> {
              if (latest != null && latest.hash().equals(hash)) {
                return Future.succeededFuture(new Registration(latest, false));
              }
              int next = latest == null ? 1 : latest.version() + 1;
              Object id = schema instanceof Map<?, ?> m ? m.get("$id") : null;
              SchemaVersion v =
                  new SchemaVersion(
                      type, next, schema, hash, id instanceof String s ? s : null, clock.instant());
              return store
                  .insert(v)
                  .compose(
                      inserted -> {
                        if (inserted) {
                          known.remove(type);
                          return Future.succeededFuture(new Registration(v, true));
                        }
                        if (attempts <= 1) {
                          return Future.failedFuture(
                              ProblemException.of(
                                  Kind.CONFLICT,
                                  "schemas of '"
                                      + type
                                      + "' are being registered concurrently; try again"));
                        }
                        return insertNext(type, schema, hash, attempts - 1);
                      });
            });
  }

  /**
   * Checks {@code event.data} against its schema; problems point into the envelope ({@code
   * /data/...}, or {@code /dataschema} and {@code /type} for a version or schema that is missing).
   */
  public Future<Check> check(CloudEvent event, boolean requireSchema) {
    DataSchemaRef ref = DataSchemaRef.parse(event.dataschema()).orElse(null);
    if (ref != null && !ref.type().equals(event.type())) {
      return problem(
          "/dataschema",
          "expected a version of the schema of type '"
              + event.type()
              + "', but dataschema names type '"
              + ref.type()
              + "'");
    }
    return versionsOf(event.type(), false)
        .compose(
            versions -> {
              if (ref != null && !versions.schemaIds().containsKey(ref.version())) {
                return versionsOf(event.type(), true); // maybe just registered through another node
              }
              return Future.succeededFuture(versions);
            })
        .compose(
            versions -> {
              NavigableMap<Integer, String> ids = versions.schemaIds();
              if (ids.isEmpty()) {
                return requireSchema
                    ? problem(
                        "/type",
                        "expected a type with a registered schema (ingestion.requireSchema is on), but '"
                            + event.type()
                            + "' has none")
                    : Future.succeededFuture(new Check(null, List.of()));
              }
              Integer version = select(ids, ref, event.dataschema());
              if (version == null) {
                return problem(
                    "/dataschema",
                    "expected a registered version of '"
                        + event.type()
                        + "' (1 to "
                        + ids.lastKey()
                        + "), but version "
                        + ref.version()
                        + " is not registered");
              }
              return validator(event.type(), version)
                  .map(v -> new Check(version, v.validate(event.data(), "/data")));
            });
  }

  private static Integer select(
      NavigableMap<Integer, String> ids, DataSchemaRef ref, String dataschema) {
    if (ref != null) {
      return ids.containsKey(ref.version()) ? ref.version() : null;
    }
    if (dataschema != null) {
      for (Map.Entry<Integer, String> e : ids.descendingMap().entrySet()) {
        if (dataschema.equals(e.getValue())) {
          return e.getKey();
        }
      }
    }
    return ids.lastKey();
  }

  private Future<Known> versionsOf(String type, boolean force) {
    Known cached = known.get(type);
    Instant now = clock.instant();
    if (!force && cached != null && cached.loadedAt().plus(REFRESH).isAfter(now)) {
      return Future.succeededFuture(cached);
    }
    return store
        .versions(type)
        .map(
            list -> {
              NavigableMap<Integer, String> ids = new TreeMap<>();
              list.forEach(v -> ids.put(v.version(), v.schemaId() == null ? "" : v.schemaId()));
              Known fresh = new Known(now, ids);
              known.put(type, fresh);
              return fresh;
            });
  }

  private Future<SchemaValidator> validator(String type, int version) {
    String key = type + "@" + version;
    Future<SchemaValidator> cached = compiled.get(key);
    if (cached != null && !cached.failed()) {
      return cached;
    }
    Future<SchemaValidator> loading =
        store
            .get(type, version)
            .compose(
                v ->
                    v == null
                        ? Future.failedFuture(
                            new IllegalStateException("schema " + key + " vanished"))
                        : vertx.executeBlocking(() -> SchemaValidator.compile(v.schema())));
    compiled.put(key, loading);
    return loading;
  }

  private static Future<Check> problem(String pointer, String message) {
    return Future.failedFuture(
        ProblemException.of(
            Kind.UNPROCESSABLE,
            "the event does not match its schema",
            Problem.at(pointer, message)));
  }

  static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
