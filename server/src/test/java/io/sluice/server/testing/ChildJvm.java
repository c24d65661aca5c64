package io.sluice.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/**
 * A Sluice node in a child JVM ({@code io.sluice.server.Main}), so that a test can kill it -9 and
 * start it again on the same data. Its output goes to a log file; it is found listening by the line
 * the node logs at start.
 */
public final class ChildJvm {
  private static final Pattern LISTENING =
      Pattern.compile("Sluice listening on http://[^:/\\s]+:(\\d+)");
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private final Process process;
  private final Path log;
  private volatile int port;

  private ChildJvm(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code io.sluice.server.Main} with {@code args} (settings such as {@code
   * --data.dir=...}; the port is always 0 on 127.0.0.1) and waits, up to {@code within} for each,
   * until it listens and then answers {@code /health/ready}. SLUICE_* variables of this process are
   * not passed on.
   */
  public static ChildJvm start(
      String classPath, String maxHeap, Path log, Duration within, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + maxHeap);
    command.add("-cp");
    command.add(classPath);
    command.add("io.sluice.server.Main");
    command.add("--http.port=0");
    command.add("--http.host=127.0.0.1");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("SLUICE_"));
    ChildJvm node = new ChildJvm(builder.start(), log);
    await("node listening (" + log.getFileName() + ")")
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              assertThat(node.process.isAlive())
                  .as("the node exited; log:\n%s", node.logText())
                  .isTrue();
              String text = node.logText();
              assertThat(text)
                  .as("the node failed to start")
                  .doesNotContain("Exception in thread \"main\"", "Sluice could not start");
              Matcher m = LISTENING.matcher(text);
              if (m.find()) {
                node.port = Integer.parseInt(m.group(1));
                return true;
              }
              return false;
            });
    await("node ready (" + log.getFileName() + ")")
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(() -> node.ready());
    return node;
  }

  private boolean ready() throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
  }

  public int port() {
    return port;
  }

  public boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL (no shutdown hook runs), and wait until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the node died").isTrue();
  }

  public Path log() {
    return log;
  }

  public String logText() {
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
  public static String snapshotClassPath(Path into) throws IOException {
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
      boolean ours = text.contains("/io/sluice/") || text.contains("/target/");
      if (!ours || !Files.exists(source)) {
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
