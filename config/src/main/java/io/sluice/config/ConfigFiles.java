package io.sluice.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/** Reads a config file; a seam so tests can supply files as maps. */
@FunctionalInterface
public interface ConfigFiles {

  /** The file's entries, or empty if it does not exist; other read errors are thrown. */
  Optional<Map<String, String>> read(Path path);

  /** Java properties files (UTF-8) on the real file system. */
  static ConfigFiles properties() {
    return path -> {
      try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
        Properties p = new Properties();
        p.load(r);
        Map<String, String> entries = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> entries.put(k, p.getProperty(k)));
        return Optional.of(entries);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config file " + path, e);
      }
    };
  }
}
