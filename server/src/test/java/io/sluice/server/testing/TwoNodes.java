package io.sluice.server.testing;

import io.sluice.config.Setting;
import io.sluice.server.Sluice;
import java.time.Duration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Two in-process nodes on one store (the first one's embedded server), polling each other's changes
 * every 50 ms, started once per test class. Register with {@code @RegisterExtension static TwoNodes
 * nodes = new TwoNodes();}.
 */
public final class TwoNodes implements BeforeAllCallback, AfterAllCallback {
  private final NodeExtension first =
      new NodeExtension(c -> c.with(Setting.CLUSTER_CHANGE_POLL, Duration.ofMillis(50)));
  private Sluice second;
  private Client a;
  private Client b;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    first.beforeAll(context);
    second = first.startPeer("node-b");
    a = new Client(first);
    b = new Client(second);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    first.afterAll(context);
  }

  /** The first node (it holds the embedded store). */
  public Sluice first() {
    return first.sluice();
  }

  public Sluice second() {
    return second;
  }

  /** A client of the first node. */
  public Client a() {
    return a;
  }

  /** A client of the second node. */
  public Client b() {
    return b;
  }
}
