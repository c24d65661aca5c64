package io.sluice.router.pattern;

import io.sluice.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The table of pattern cases in {@code src/test/resources/patterns/*.json} and {@code
 * pattern-errors/*.json}. A row with {@code data} instead of {@code event} gets the envelope {@code
 * {specversion 1.0, id e-1, source test, type test.event}}.
 */
final class PatternRows {
  /** A matching row: the pattern, the event (structured form) and the expected verdict. */
  record Row(
      String file,
      String name,
      Object pattern,
      Map<String, Object> event,
      boolean match,
      String explain,
      String rulerDiffers) {
    @Override
    public String toString() {
      return file + ": " + name;
    }
  }

  /** A row that must not compile: the problems, each a pointer and a part of the message. */
  record Invalid(
      String name, Object pattern, List<Map<String, Object>> problems, String rulerAccepts) {
    @Override
    public String toString() {
      return name;
    }
  }

  private PatternRows() {}

  @SuppressWarnings("unchecked")
  static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (Path file : files("patterns")) {
      Map<String, Object> doc = read(file);
      for (Object c : (List<Object>) doc.get("cases")) {
        Map<String, Object> row = (Map<String, Object>) c;
        Map<String, Object> event = (Map<String, Object>) row.get("event");
        if (event == null) {
          event = new LinkedHashMap<>();
          event.put("specversion", "1.0");
          event.put("id", "e-1");
          event.put("source", "test");
          event.put("type", "test.event");
          event.put("data", row.get("data"));
        }
        rows.add(
            new Row(
                file.getFileName().toString(),
                (String) row.get("name"),
                row.get("pattern"),
                event,
                (Boolean) row.get("match"),
                (String) row.get("explain"),
                (String) row.get("rulerDiffers")));
      }
    }
    return rows;
  }

  @SuppressWarnings("unchecked")
  static List<Invalid> invalid() {
    List<Invalid> rows = new ArrayList<>();
    for (Path file : files("pattern-errors")) {
      for (Object c : (List<Object>) read(file).get("cases")) {
        Map<String, Object> row = (Map<String, Object>) c;
        rows.add(
            new Invalid(
                (String) row.get("name"),
                row.get("pattern"),
                (List<Map<String, Object>>) row.get("problems"),
                (String) row.get("rulerAccepts")));
      }
    }
    return rows;
  }

  private static Map<String, Object> read(Path file) {
    try {
      return Json.parseObject(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<Path> files(String folder) {
    URL url = PatternRows.class.getClassLoader().getResource(folder);
    if (url == null) {
      throw new IllegalStateException("no test resources folder " + folder);
    }
    try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
      return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
