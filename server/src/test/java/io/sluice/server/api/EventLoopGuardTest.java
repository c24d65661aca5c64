package io.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.server.testing.BlockedThreadRecorder;
import io.sluice.server.testing.NodeExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Proves the blocked-event-loop guard every node test relies on does catch a blocked loop. */
class EventLoopGuardTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();

  @Test
  void aBlockedEventLoopIsReported() {
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    node.sluice()
        .vertx()
        .runOnContext(
            v -> {
              busyFor(Duration.ofMillis(3000));
              done.set(true);
            });

    await().atMost(Duration.ofSeconds(10)).untilTrue(done);
    await().atMost(Duration.ofSeconds(10)).until(() -> !BlockedThreadRecorder.warnings().isEmpty());
    assertThat(BlockedThreadRecorder.warnings().get(0)).contains("has been blocked");
  }

  @AfterEach
  void forgetTheDeliberateWarning() {
    BlockedThreadRecorder.clear();
  }

  private static void busyFor(Duration d) {
    long end = System.nanoTime() + d.toNanos();
    long x = 0;
    while (System.nanoTime() < end) {
      x++;
    }
    if (x == 42) {
      System.out.print("");
    }
  }
}
