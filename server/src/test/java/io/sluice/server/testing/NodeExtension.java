package io.sluice.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.server.Sluice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one in-process Sluice node on the embedded store (a fresh temp directory, any free port)
 * per test class, with strict event-loop checks; fails the class if any event loop was blocked.
 * Register with {@code @RegisterExtension static NodeExtension node = new NodeExtension();}.
 */
public final class NodeExtension implements BeforeAllCallback, AfterAllCallback {
  private final UnaryOperator<SluiceConfig> settings;
  private final List<Sluice> peers = new ArrayList<>();
  private Sluice sluice;
  private Path dir;

  /** A node on the default settings (plus a free port and a fresh data directory). */
  public NodeExtension() {
    this(c -> c);
  }

  /** A node with these settings changed (applied after the port and data directory). */
  public NodeExtension(UnaryOperator<SluiceConfig> settings) {
    this.settings = settings;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    System.setProperty(Sluice.STRICT_EVENT_LOOP, "true");
    BlockedThreadRecorder.clear();
    dir = Files.createTempDirectory("sluice-test");
    sluice =
        Sluice.start(
            settings.apply(
                SluiceConfig.defaults()
                    .with(Setting.HTTP_PORT, 0)
                    .with(Setting.HTTP_HOST, "127.0.0.1")
                    .with(Setting.DATA_DIR, dir)));
  }

  /**
   * Starts another node on this node's store (its embedded server, as an external MongoDB), with
   * the same settings and node id {@code nodeId}; stopped before this one.
   */
  public Sluice startPeer(String nodeId) {
    Sluice peer =
        Sluice.start(
            settings.apply(
                SluiceConfig.defaults()
                    .with(Setting.HTTP_PORT, 0)
                    .with(Setting.HTTP_HOST, "127.0.0.1")
                    .with(Setting.MONGO_URI, sluice.storeUri())
                    .with(Setting.NODE_ID, nodeId)));
    peers.add(peer);
    return peer;
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    peers.forEach(Sluice::stop);
    if (sluice != null) {
      sluice.stop();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    assertThat(BlockedThreadRecorder.warnings()).as("Vert.x blocked-thread warnings").isEmpty();
  }

  public Sluice sluice() {
    return sluice;
  }

  public String url(String path) {
    return "http://127.0.0.1:" + sluice.port() + path;
  }
}
