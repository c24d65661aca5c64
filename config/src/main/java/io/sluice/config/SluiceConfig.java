package io.sluice.config;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Sluice's configuration: one typed value for every {@link Setting}, immutable and validated.
 *
 * <p>Precedence, lowest first: defaults, the config file ({@code --config <path>} or {@code
 * SLUICE_CONFIG}, else {@code ./sluice.properties} if present; Java properties with the dotted
 * keys), {@code SLUICE_*} environment variables, command-line {@code --key=value} or {@code --key
 * value}. Unknown keys in the file or on the command line and unparsable values are reported
 * together in one {@link ConfigException}; unknown {@code SLUICE_*} variables are only {@link
 * #warnings() warnings}.
 */
public final class SluiceConfig {

  private final Map<Setting<?>, Object> values;
  private final Map<Setting<?>, String> sources;
  private final Optional<Path> file;
  private final List<String> warnings;

  SluiceConfig(
      Map<Setting<?>, Object> values,
      Map<Setting<?>, String> sources,
      Optional<Path> file,
      List<String> warnings) {
    this.values = Map.copyOf(values);
    this.sources = Map.copyOf(sources);
    this.file = file;
    this.warnings = List.copyOf(warnings);
  }

  /** Loads from the process environment, {@code ./sluice.properties} and {@code args}. */
  public static SluiceConfig load(String... args) {
    return load(Arrays.asList(args), System.getenv(), ConfigFiles.properties());
  }

  /** Loads from the given sources; tests pass maps instead of the real environment and files. */
  public static SluiceConfig load(List<String> args, Map<String, String> env, ConfigFiles files) {
    return new ConfigLoader().load(args, env, files);
  }

  /** Every setting at its default. */
  public static SluiceConfig defaults() {
    return load(List.of(), Map.of(), path -> Optional.empty());
  }

  /** Whether {@code args} ask for {@link #help()} ({@code --help} or {@code -h}). */
  public static boolean helpRequested(String... args) {
    return Arrays.stream(args).anyMatch(SluiceConfig::isHelpFlag);
  }

  static boolean isHelpFlag(String arg) {
    return arg.equals("--help") || arg.equals("-h");
  }

  /** The value of {@code setting}. */
  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) Objects.requireNonNull(values.get(setting), setting.key());
  }

  /** A copy with {@code setting} set to {@code value} (source "override"), e.g. in tests. */
  public <T> SluiceConfig with(Setting<T> setting, T value) {
    Map<Setting<?>, Object> v = new LinkedHashMap<>(values);
    Map<Setting<?>, String> s = new LinkedHashMap<>(sources);
    v.put(setting, Objects.requireNonNull(value, setting.key()));
    s.put(setting, "override");
    return new SluiceConfig(v, s, file, warnings);
  }

  /** Where the value came from: "default", "file &lt;path&gt;", "env SLUICE_X", "command line". */
  public String source(Setting<?> setting) {
    return sources.get(setting);
  }

  /** The config file that was read, if any. */
  public Optional<Path> file() {
    return file;
  }

  /** Problems that did not stop loading, such as unknown {@code SLUICE_*} variables. */
  public List<String> warnings() {
    return warnings;
  }

  /** The text of {@code ./sluice --help}: usage, then every setting with env var and default. */
  public static String help() {
    StringBuilder b = new StringBuilder();
    b.append("Usage: sluice [--config <file>] [--<key>=<value> | --<key> <value>]...\n\n")
        .append("Every setting can be given, lowest precedence first, as a default, in the\n")
        .append("config file (Java properties: <key>=<value>; --config <file> or SLUICE_CONFIG,\n")
        .append("else ./sluice.properties if present), as an environment variable, or on the\n")
        .append("command line. Durations are ISO-8601 (PT1S, PT10M).\n\nSettings:\n");
    for (Setting<?> s : Setting.all()) {
      String dflt = s.defaultText().isEmpty() ? "(empty)" : s.defaultText();
      b.append(String.format("  %-32s %s (%s)%n", s.key(), s.envVar(), s.type().name()))
          .append(String.format("  %-32s %s; default: %s%n", "", s.description(), dflt));
    }
    return b.toString();
  }

  /** Every setting as {@code key=value (source)}, one per line, passwords in URIs masked. */
  @Override
  public String toString() {
    return Setting.all().stream()
        .map(s -> s.key() + "=" + masked(values.get(s)) + " (" + sources.get(s) + ")")
        .collect(Collectors.joining("\n"));
  }

  private static String masked(Object value) {
    return String.valueOf(value).replaceAll("(://[^:/@]*:)[^@/]*@", "$1***@");
  }
}
