package io.sluice.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Resolves settings: defaults < config file < {@code SLUICE_*} environment < command line. */
final class ConfigLoader {

  static final String CONFIG_OPTION = "config";
  static final String CONFIG_ENV = "SLUICE_CONFIG";
  static final Path DEFAULT_FILE = Path.of("sluice.properties");

  /** {@code SLUICE_*} variables that are not settings, read by the start script or here. */
  private static final Set<String> OTHER_ENV = Set.of(CONFIG_ENV, "SLUICE_JAVA_OPTS");

  /** Where a value came from; {@code where} renders "who='value'" for error messages. */
  record Origin(String description, String where) {}

  private final Map<String, Setting<?>> byKey = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();
  private final Map<Setting<?>, String> raw = new LinkedHashMap<>();
  private final Map<Setting<?>, Origin> origins = new LinkedHashMap<>();

  ConfigLoader() {
    Setting.all().forEach(s -> byKey.put(s.key(), s));
  }

  SluiceConfig load(List<String> args, Map<String, String> env, ConfigFiles files) {
    Map<String, String> cli = new LinkedHashMap<>();
    String configArg = parseArgs(args, cli);
    Optional<Path> file = readFile(configArg, env, files);
    readEnv(env);
    cli.forEach((key, value) -> put(byKey.get(key), value, new Origin("command line", "--" + key)));

    Map<Setting<?>, Object> values = new LinkedHashMap<>();
    for (Setting<?> s : Setting.all()) {
      String text = raw.get(s);
      Origin origin = origins.get(s);
      if (text == null) {
        text = s.defaultValue().get();
        origin = new Origin("default", "default of " + s.key());
        origins.put(s, origin);
      }
      try {
        values.put(s, s.type().parse(text));
      } catch (IllegalArgumentException e) {
        errors.add(origin.where() + "='" + text + "': expected " + s.type().expected());
      }
    }
    if (!errors.isEmpty()) {
      throw new ConfigException(errors);
    }
    Map<Setting<?>, String> sources = new LinkedHashMap<>();
    origins.forEach((s, o) -> sources.put(s, o.description()));
    return new SluiceConfig(values, sources, file, warnings);
  }

  /** Fills {@code cli} with known keys; returns the --config value or null. */
  private String parseArgs(List<String> args, Map<String, String> cli) {
    String config = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (SluiceConfig.isHelpFlag(arg)) {
        continue;
      }
      if (!arg.startsWith("--") || arg.length() == 2) {
        errors.add("unexpected argument '" + arg + "': settings are given as --key=value");
        continue;
      }
      int eq = arg.indexOf('=');
      String key = eq < 0 ? arg.substring(2) : arg.substring(2, eq);
      String value = eq < 0 ? null : arg.substring(eq + 1);
      Setting<?> setting = byKey.get(key);
      if (!key.equals(CONFIG_OPTION) && setting == null) {
        errors.add("unknown option '--" + key + "'" + suggestion(key));
        continue;
      }
      if (value == null) {
        if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
          value = args.get(++i);
        } else if (setting != null && setting.type() == ValueType.BOOL) {
          value = "true";
        } else {
          errors.add("option '--" + key + "' needs a value");
          continue;
        }
      }
      if (key.equals(CONFIG_OPTION)) {
        config = value;
      } else {
        cli.put(key, value);
      }
    }
    return config;
  }

  private Optional<Path> readFile(String configArg, Map<String, String> env, ConfigFiles files) {
    String explicit = configArg != null ? configArg : env.get(CONFIG_ENV);
    Path path = explicit != null ? Path.of(explicit) : DEFAULT_FILE;
    Optional<Map<String, String>> entries = files.read(path);
    if (entries.isEmpty()) {
      if (explicit != null) {
        errors.add("config file '" + path + "' does not exist");
      }
      return Optional.empty();
    }
    entries
        .get()
        .forEach(
            (key, value) -> {
              Setting<?> s = byKey.get(key);
              if (s == null) {
                errors.add(path + ": unknown setting '" + key + "'" + suggestion(key));
              } else {
                put(s, value, new Origin("file " + path, path + ": " + key));
              }
            });
    return Optional.of(path);
  }

  private void readEnv(Map<String, String> env) {
    Map<String, Setting<?>> byEnv = new LinkedHashMap<>();
    Setting.all().forEach(s -> byEnv.put(s.envVar(), s));
    env.keySet().stream()
        .filter(k -> k.startsWith(Setting.ENV_PREFIX))
        .filter(k -> !byEnv.containsKey(k) && !OTHER_ENV.contains(k))
        .sorted()
        .forEach(k -> warnings.add("ignoring unknown environment variable " + k + suggestion(k)));
    byEnv.forEach(
        (name, s) -> {
          String value = env.get(name);
          if (value != null) {
            put(s, value, new Origin("env " + name, name));
          }
        });
  }

  private void put(Setting<?> s, String value, Origin origin) {
    raw.put(s, value);
    origins.put(s, origin);
  }

  private String suggestion(String wrong) {
    String w = normalize(wrong);
    return Setting.all().stream()
        .filter(s -> normalize(s.key()).equals(w) || normalize(s.envVar()).equals(w))
        .findFirst()
        .map(s -> " (did you mean " + s.key() + " / " + s.envVar() + "?)")
        .orElse("");
  }

  private static String normalize(String s) {
    String n = s.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    return n.startsWith("sluice") ? n.substring(6) : n;
  }
}
