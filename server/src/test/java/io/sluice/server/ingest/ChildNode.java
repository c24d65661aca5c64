package io.sluice.server.ingest;

import io.sluice.server.testing.ChildJvm;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A Sluice node in a child JVM for the ingestion crash test, with its {@link Wire}. */
final class ChildNode {
  private final ChildJvm jvm;

  private ChildNode(ChildJvm jvm) {
    this.jvm = jvm;
  }

  /** Starts a node on {@code data} (any free port) and waits until it answers ready. */
  static ChildNode start(String classPath, Path data, Path log) throws IOException {
    return new ChildNode(
        ChildJvm.start(
            classPath,
            "512m",
            log,
            Duration.ofSeconds(120),
            "--data.dir=" + data,
            "--node.id=ingest-crash"));
  }

  Wire wire() {
    return new Wire(() -> "http://127.0.0.1:" + jvm.port());
  }

  /** SIGKILL: no shutdown hook runs. */
  void kill() throws InterruptedException {
    jvm.kill();
  }

  String logText() {
    return jvm.logText();
  }

  static String snapshotClassPath(Path into) throws IOException {
    return ChildJvm.snapshotClassPath(into);
  }
}
