package io.sluice.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One configuration setting: its dotted key, type, default and description. The environment
 * variable is derived from the key. Every setting is declared below; adding one is one line.
 *
 * @param key dotted key used in the config file and on the command line, e.g. {@code http.port}
 * @param type how its text is parsed
 * @param defaultText the default as shown in {@code --help}
 * @param defaultValue the default text, computed when first needed
 * @param description one line for {@code --help}
 */
public record Setting<T>(
    String key,
    ValueType<T> type,
    String defaultText,
    Supplier<String> defaultValue,
    String description) {

  private static final List<Setting<?>> ALL = new ArrayList<>();

  // One declaration per setting, in --help order: adding a setting is adding a declaration.
  public static final Setting<Integer> HTTP_PORT =
      define(
          "http.port",
          ValueType.intBetween(0, 65535),
          "8080",
          "HTTP listen port (0 = any free port)");
  public static final Setting<String> HTTP_HOST =
      define("http.host", ValueType.STRING, "0.0.0.0", "HTTP listen address");
  public static final Setting<Duration> HTTP_WAIT_MAX =
      define("http.waitMax", ValueType.DURATION, "PT60S", "upper bound for the ?wait= parameter");
  public static final Setting<Path> DATA_DIR =
      define("data.dir", ValueType.PATH, "./data", "directory of the embedded store");
  public static final Setting<String> MONGO_URI =
      define(
          "mongo.uri",
          ValueType.STRING,
          "",
          "MongoDB connection string; empty = embedded store in data.dir");
  public static final Setting<String> MONGO_DATABASE =
      define("mongo.database", ValueType.STRING, "sluice", "MongoDB database name");
  public static final Setting<String> NODE_ID =
      define(
          "node.id",
          ValueType.STRING,
          "node-<hostname>",
          Setting::defaultNodeId,
          "this node's id among the nodes sharing a store");
  public static final Setting<Integer> INGESTION_MAX_BODY_BYTES =
      define(
          "ingestion.maxBodyBytes",
          ValueType.intBetween(1, Integer.MAX_VALUE),
          "1048576",
          "largest accepted request body, in bytes");
  public static final Setting<Integer> INGESTION_MAX_BATCH_EVENTS =
      define(
          "ingestion.maxBatchEvents",
          ValueType.intBetween(1, Integer.MAX_VALUE),
          "1000",
          "most events in one batch request");
  public static final Setting<Integer> INGESTION_MAX_JSON_DEPTH =
      define(
          "ingestion.maxJsonDepth",
          ValueType.intBetween(1, Integer.MAX_VALUE),
          "64",
          "deepest accepted JSON nesting");
  public static final Setting<Boolean> INGESTION_REQUIRE_SCHEMA =
      define(
          "ingestion.requireSchema",
          ValueType.BOOL,
          "false",
          "reject events whose type has no registered schema");
  public static final Setting<Duration> INGESTION_DEAD_LETTER_RETENTION =
      define(
          "ingestion.deadLetterRetention",
          ValueType.DURATION,
          "P7D",
          "how long rejected events are kept in the dead-letter collection");
  public static final Setting<Duration> INGESTION_SIGNATURE_TOLERANCE =
      define(
          "ingestion.signatureTolerance",
          ValueType.DURATION,
          "PT5M",
          "largest accepted age of a signed webhook timestamp (Stripe, Slack)");
  public static final Setting<String> KAFKA_BOOTSTRAP =
      define("kafka.bootstrap", ValueType.STRING, "", "Kafka bootstrap servers; empty = Kafka off");
  public static final Setting<List<String>> KAFKA_INGEST_TOPICS =
      define(
          "kafka.ingestTopics",
          ValueType.LIST,
          "sluice.events",
          "comma-separated topics consumed as events");
  public static final Setting<String> KAFKA_GROUP_ID =
      define(
          "kafka.groupId",
          ValueType.STRING,
          "sluice",
          "consumer group of the ingest topics (nodes of one deployment share it)");
  public static final Setting<String> KAFKA_TOPIC_PREFIX =
      define(
          "kafka.topicPrefix",
          ValueType.STRING,
          "",
          "prefix of the topics lifecycle events are published to");
  public static final Setting<Duration> ORCHESTRATOR_CHECKPOINT_INTERVAL =
      define(
          "orchestrator.checkpointInterval",
          ValueType.DURATION,
          "PT1S",
          "how often the outbox relay records what it has published");
  public static final Setting<Integer> ORCHESTRATOR_INSTANCE_CACHE_SIZE =
      define(
          "orchestrator.instanceCacheSize",
          ValueType.intBetween(0, Integer.MAX_VALUE),
          "10000",
          "workflow instances kept in memory");
  public static final Setting<Duration> ROUTER_LOOK_BACK =
      define(
          "router.lookBack",
          ValueType.DURATION,
          "PT5M",
          "events this recent are offered to a waitForEvent step when it starts waiting");
  public static final Setting<Integer> ROUTER_MAX_CHAIN_DEPTH =
      define(
          "router.maxChainDepth",
          ValueType.intBetween(1, 1000),
          "10",
          "workflow hops after which an event starts no more workflows (stops runaway loops)");
  public static final Setting<Duration> ROUTER_NODE_TIMEOUT =
      define(
          "router.nodeTimeout",
          ValueType.DURATION,
          "PT1M",
          "a node whose router checkpoint is older than this is taken for dead: another node routes"
              + " the events it stored and had not routed");
  public static final Setting<Duration> CLUSTER_CHANGE_POLL =
      define(
          "cluster.changePoll",
          ValueType.DURATION,
          "PT1S",
          "how often a node looks for definitions saved and schedules paused on other nodes");
  public static final Setting<Integer> SCHEDULER_MAX_CATCH_UP =
      define(
          "scheduler.maxCatchUp",
          ValueType.intBetween(0, 100000),
          "100",
          "missed fires one schedule fires on start (inside its catchUpWindow, newest kept)");
  public static final Setting<Duration> SHUTDOWN_GRACE =
      define(
          "shutdown.grace",
          ValueType.DURATION,
          "PT10S",
          "time given to in-flight work on shutdown");

  /** Prefix of every setting's environment variable. */
  public static final String ENV_PREFIX = "SLUICE_";

  /** Every setting, in declaration order. */
  public static List<Setting<?>> all() {
    return Collections.unmodifiableList(ALL);
  }

  /** {@code ingestion.maxBodyBytes} → {@code SLUICE_INGESTION_MAX_BODY_BYTES}. */
  public String envVar() {
    return envVarOf(key);
  }

  static String envVarOf(String key) {
    String snake = key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_');
    return ENV_PREFIX + snake.toUpperCase(Locale.ROOT);
  }

  private static <T> Setting<T> define(
      String key, ValueType<T> type, String defaultText, String description) {
    return define(key, type, defaultText, () -> defaultText, description);
  }

  private static <T> Setting<T> define(
      String key,
      ValueType<T> type,
      String defaultText,
      Supplier<String> defaultValue,
      String description) {
    Setting<T> s = new Setting<>(key, type, defaultText, defaultValue, description);
    ALL.add(s);
    return s;
  }

  private static String defaultNodeId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException | RuntimeException e) {
      host = "";
    }
    host = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-").replaceAll("^-+|-+$", "");
    if (host.isEmpty() || host.equals("localhost")) {
      host = UUID.randomUUID().toString().substring(0, 8);
    }
    return "node-" + (host.length() > 40 ? host.substring(0, 40) : host);
  }

  @Override
  public String toString() {
    return key;
  }
}
