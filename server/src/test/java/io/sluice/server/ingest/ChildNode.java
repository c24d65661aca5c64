package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** A Sluice node in a child JVM ({@code io.sluice.server.Main}), so that it can be killed -9. */
final class ChildNode {
  private static final Pattern LISTENING =
      Pattern.compile("Sluice listening on http://[^:/\\s]+:(\\d+)");

  private final Process process;
  private final Path log;
  private volatile int port;

  private ChildNode(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts a node on {@code data} (any free port) and waits until it answers ready. */
  static ChildNode start(String classPath, Path data, Path log) throws IOException {
    List<String> command =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx512m",
            "-cp",
            classPath,
            "io.sluice.server.Main",
            "--data.dir=" + data,
            "--http.port=0",
            "--http.host=127.0.0.1",
            "--node.id=ingest-crash");
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    ChildNode node = new ChildNode(builder.start(), log);
    await("node listening")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              assertThat(node.process.isAlive())
                  .as("node exited; log:\n%s", node.logText())
                  .isTrue();
              Matcher m = LISTENING.matcher(node.logText());
              if (m.find()) {
                node.port = Integer.parseInt(m.group(1));
                return true;
              }
              return false;
            });
    Wire wire = node.wire();
    await("node ready")
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(() -> wire.get("/health/ready").status() == 200);
    return node;
  }

  Wire wire() {
    return new Wire(() -> "http://127.0.0.1:" + port);
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
  }

  String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * This JVM's class path with the project's own class directories and jars copied to {@code into}:
   * another build in the same tree may rewrite them while the child loads them.
   */
  static String snapshotClassPath(Path into) throws IOException {
    List<Path> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path path = Path.of(entry);
      if (entry.endsWith(".jar") && path.getFileName().toString().startsWith("surefirebooter")) {
        try (JarFile jar = new JarFile(path.toFile())) {
          String manifest = jar.getManifest().getMainAttributes().getValue("Class-Path");
          for (String url : manifest == null ? new String[0] : manifest.split(" ")) {
            if (!url.isBlank()) {
              entries.add(Path.of(path.toUri().resolve(url)));
            }
          }
        }
      } else {
        entries.add(path);
      }
    }
    Files.createDirectories(into);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Path source = entries.get(i);
      String text = source.toString().replace(File.separatorChar, '/');
      if (!(text.contains("/io/sluice/") || text.contains("/target/")) || !Files.exists(source)) {
        out.add(source.toString());
        continue;
      }
      Path copy = into.resolve(i + "-" + source.getFileName());
      if (Files.isDirectory(source)) {
        try (Stream<Path> files = Files.walk(source)) {
          for (Path f : (Iterable<Path>) files::iterator) {
            Path target = copy.resolve(source.relativize(f).toString());
            if (Files.isDirectory(f)) {
              Files.createDirectories(target);
            } else {
              Files.copy(f, target);
            }
          }
        }
      } else {
        Files.copy(source, copy);
      }
      out.add(copy.toString());
    }
    return String.join(File.pathSeparator, out);
  }
}
