package io.sluice.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SluiceConfigTest {

  private static final ConfigFiles NO_FILES = path -> Optional.empty();

  private static ConfigFiles file(String name, Map<String, String> entries) {
    return path -> path.equals(Path.of(name)) ? Optional.of(entries) : Optional.empty();
  }

  private static SluiceConfig load(List<String> args, Map<String, String> env, ConfigFiles f) {
    return SluiceConfig.load(args, env, f);
  }

  private static List<String> errorsOf(Runnable loading) {
    try {
      loading.run();
    } catch (ConfigException e) {
      return e.errors();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void shouldUseDefaultsWhenNothingIsGiven() {
    SluiceConfig config = load(List.of(), Map.of(), NO_FILES);

    assertThat(config.get(Setting.HTTP_PORT)).isEqualTo(8080);
    assertThat(config.get(Setting.HTTP_HOST)).isEqualTo("0.0.0.0");
    assertThat(config.get(Setting.DATA_DIR)).isEqualTo(Path.of("./data"));
    assertThat(config.get(Setting.MONGO_URI)).isEmpty();
    assertThat(config.get(Setting.MONGO_DATABASE)).isEqualTo("sluice");
    assertThat(config.get(Setting.NODE_ID)).matches("node-[a-z0-9-]+");
    assertThat(config.get(Setting.INGESTION_MAX_BODY_BYTES)).isEqualTo(1_048_576);
    assertThat(config.get(Setting.INGESTION_MAX_BATCH_EVENTS)).isEqualTo(1000);
    assertThat(config.get(Setting.INGESTION_MAX_JSON_DEPTH)).isEqualTo(64);
    assertThat(config.get(Setting.INGESTION_REQUIRE_SCHEMA)).isFalse();
    assertThat(config.get(Setting.KAFKA_BOOTSTRAP)).isEmpty();
    assertThat(config.get(Setting.KAFKA_INGEST_TOPICS)).containsExactly("sluice.events");
    assertThat(config.get(Setting.KAFKA_TOPIC_PREFIX)).isEmpty();
    assertThat(config.get(Setting.ORCHESTRATOR_CHECKPOINT_INTERVAL))
        .isEqualTo(Duration.ofSeconds(1));
    assertThat(config.get(Setting.ORCHESTRATOR_INSTANCE_CACHE_SIZE)).isEqualTo(10_000);
    assertThat(config.get(Setting.HTTP_WAIT_MAX)).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.get(Setting.SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.source(Setting.HTTP_PORT)).isEqualTo("default");
    assertThat(config.file()).isEmpty();
  }

  @Test
  void shouldApplyDefaultsThenFileThenEnvironmentThenCommandLine() {
    ConfigFiles files =
        file(
            "sluice.properties",
            Map.of("http.port", "1001", "http.host", "file-host", "mongo.database", "fromfile"));
    Map<String, String> env = Map.of("SLUICE_HTTP_PORT", "1002", "SLUICE_HTTP_HOST", "env-host");

    SluiceConfig config = load(List.of("--http.port=1003"), env, files);

    assertThat(config.get(Setting.HTTP_PORT)).isEqualTo(1003);
    assertThat(config.source(Setting.HTTP_PORT)).isEqualTo("command line");
    assertThat(config.get(Setting.HTTP_HOST)).isEqualTo("env-host");
    assertThat(config.source(Setting.HTTP_HOST)).isEqualTo("env SLUICE_HTTP_HOST");
    assertThat(config.get(Setting.MONGO_DATABASE)).isEqualTo("fromfile");
    assertThat(config.source(Setting.MONGO_DATABASE)).isEqualTo("file sluice.properties");
    assertThat(config.get(Setting.SHUTDOWN_GRACE)).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.file()).contains(Path.of("sluice.properties"));
  }

  @Test
  void shouldAcceptSeparatedCommandLineValuesAndBareBooleanFlags() {
    SluiceConfig config =
        load(
            List.of("--http.port", "9090", "--ingestion.requireSchema", "--mongo.uri="),
            Map.of("SLUICE_MONGO_URI", "mongodb://x"),
            NO_FILES);

    assertThat(config.get(Setting.HTTP_PORT)).isEqualTo(9090);
    assertThat(config.get(Setting.INGESTION_REQUIRE_SCHEMA)).isTrue();
    assertThat(config.get(Setting.MONGO_URI)).isEmpty();
  }

  @Test
  void shouldReadTheFileNamedByConfigOptionBeforeTheOneNamedByEnvironment() {
    ConfigFiles files =
        path ->
            switch (path.toString()) {
              case "a.properties" -> Optional.of(Map.of("http.port", "1"));
              case "b.properties" -> Optional.of(Map.of("http.port", "2"));
              default -> Optional.empty();
            };
    Map<String, String> env = Map.of("SLUICE_CONFIG", "b.properties");

    assertThat(load(List.of("--config", "a.properties"), env, files).get(Setting.HTTP_PORT))
        .isEqualTo(1);
    assertThat(load(List.of(), env, files).get(Setting.HTTP_PORT)).isEqualTo(2);
  }

  @Test
  void shouldFailWhenAnExplicitConfigFileIsMissing() {
    assertThat(errorsOf(() -> load(List.of("--config=nope.properties"), Map.of(), NO_FILES)))
        .containsExactly("config file 'nope.properties' does not exist");
  }

  @Test
  void shouldDeriveEnvironmentVariablesFromKeys() {
    assertThat(Setting.HTTP_PORT.envVar()).isEqualTo("SLUICE_HTTP_PORT");
    assertThat(Setting.INGESTION_MAX_BODY_BYTES.envVar())
        .isEqualTo("SLUICE_INGESTION_MAX_BODY_BYTES");
    assertThat(Setting.KAFKA_INGEST_TOPICS.envVar()).isEqualTo("SLUICE_KAFKA_INGEST_TOPICS");
    assertThat(Setting.ORCHESTRATOR_CHECKPOINT_INTERVAL.envVar())
        .isEqualTo("SLUICE_ORCHESTRATOR_CHECKPOINT_INTERVAL");
    assertThat(Setting.envVarOf("a.b2cD.eF")).isEqualTo("SLUICE_A_B2C_D_E_F");
    assertThat(Setting.all()).extracting(Setting::envVar).doesNotHaveDuplicates();
  }

  @Test
  void shouldReportEveryBadValueWithItsSourceAtOnce() {
    Map<String, String> env =
        Map.of(
            "SLUICE_HTTP_PORT", "abc",
            "SLUICE_INGESTION_REQUIRE_SCHEMA", "yes",
            "SLUICE_SHUTDOWN_GRACE", "10s");
    ConfigFiles files =
        file("sluice.properties", Map.of("orchestrator.checkpointInterval", "-PT1S"));
    List<String> args = List.of("--data.dir=", "--ingestion.maxBodyBytes=0");

    assertThat(errorsOf(() -> load(args, env, files)))
        .containsExactlyInAnyOrder(
            "SLUICE_HTTP_PORT='abc': expected an integer between 0 and 65535",
            "SLUICE_INGESTION_REQUIRE_SCHEMA='yes': expected true or false",
            "SLUICE_SHUTDOWN_GRACE='10s': expected a non-negative ISO-8601 duration such as PT10S",
            "sluice.properties: orchestrator.checkpointInterval='-PT1S': expected a non-negative"
                + " ISO-8601 duration such as PT10S",
            "--data.dir='': expected a path",
            "--ingestion.maxBodyBytes='0': expected an integer >= 1");
  }

  @Test
  void shouldRejectUnknownKeysInFileAndCommandLineTogether() {
    ConfigFiles files = file("sluice.properties", Map.of("http.prot", "1"));

    assertThatThrownBy(
            () -> load(List.of("--nope=1", "--http-port", "2", "stray"), Map.of(), files))
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).errors())
                    .containsExactly(
                        "unknown option '--nope'",
                        "unknown option '--http-port' (did you mean http.port / SLUICE_HTTP_PORT?)",
                        "unexpected argument '2': settings are given as --key=value",
                        "unexpected argument 'stray': settings are given as --key=value",
                        "sluice.properties: unknown setting 'http.prot'"))
        .hasMessageContaining("unknown option '--nope'");
  }

  @Test
  void shouldWarnAboutUnknownEnvironmentVariablesWithoutFailing() {
    Map<String, String> env =
        Map.of("SLUICE_HTTP_PROT", "1", "SLUICE_JAVA_OPTS", "-Xmx1g", "HOME", "/root");

    SluiceConfig config = load(List.of(), env, NO_FILES);

    assertThat(config.warnings())
        .containsExactly("ignoring unknown environment variable SLUICE_HTTP_PROT");
  }

  @Test
  void shouldNeedAValueForNonBooleanOptions() {
    assertThat(errorsOf(() -> load(List.of("--http.port", "--http.host=x"), Map.of(), NO_FILES)))
        .containsExactly("option '--http.port' needs a value");
  }

  @Test
  void shouldListEverySettingInHelp() {
    String help = SluiceConfig.help();

    assertThat(Setting.all()).hasSizeGreaterThanOrEqualTo(17);
    for (Setting<?> s : Setting.all()) {
      assertThat(help).contains(s.key(), s.envVar(), s.description(), s.defaultText());
    }
    assertThat(help).contains("SLUICE_HTTP_PORT", "default: 8080", "default: PT10S");
  }

  @Test
  void shouldRecognizeHelpFlagsAndIgnoreThemWhileLoading() {
    assertThat(SluiceConfig.helpRequested("--http.port=1", "--help")).isTrue();
    assertThat(SluiceConfig.helpRequested("-h")).isTrue();
    assertThat(SluiceConfig.helpRequested("--http.port=1")).isFalse();
    assertThat(load(List.of("--help"), Map.of(), NO_FILES).get(Setting.HTTP_PORT)).isEqualTo(8080);
  }

  @Test
  void shouldOverrideImmutablyAndMaskPasswords() {
    SluiceConfig base = SluiceConfig.defaults();

    SluiceConfig changed =
        base.with(Setting.HTTP_PORT, 0).with(Setting.MONGO_URI, "mongodb://u:secret@h:27017/db");

    assertThat(base.get(Setting.HTTP_PORT)).isEqualTo(8080);
    assertThat(changed.get(Setting.HTTP_PORT)).isZero();
    assertThat(changed.source(Setting.HTTP_PORT)).isEqualTo("override");
    assertThat(changed.toString())
        .contains("http.port=0 (override)", "mongodb://u:***@h:27017/db")
        .doesNotContain("secret");
  }

  @Test
  void shouldParseListsTrimmed() {
    SluiceConfig config =
        load(List.of(), Map.of("SLUICE_KAFKA_INGEST_TOPICS", " a, b ,,c "), NO_FILES);

    assertThat(config.get(Setting.KAFKA_INGEST_TOPICS)).containsExactly("a", "b", "c");
  }
}
