package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.server.Sluice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Dead letters are kept for {@code ingestion.deadLetterRetention}, then removed by Sluice itself.
 */
class DeadLetterRetentionTest {
  @Test
  void deadLettersOlderThanTheRetentionAreRemoved() throws Exception {
    Path dir = Files.createTempDirectory("sluice-dead-letters");
    SluiceConfig config =
        SluiceConfig.defaults()
            .with(Setting.HTTP_PORT, 0)
            .with(Setting.HTTP_HOST, "127.0.0.1")
            .with(Setting.DATA_DIR, dir)
            .with(Setting.INGESTION_DEAD_LETTER_RETENTION, Duration.ofSeconds(1));
    Sluice node = Sluice.start(config);
    try {
      Wire wire = new Wire(() -> "http://127.0.0.1:" + node.port());
      assertThat(wire.post("/v1/events", "application/cloudevents+json", "{oops").status())
          .isEqualTo(400);
      assertThat(wire.lastDeadLetter()).containsEntry("status", 400L);
    } finally {
      node.stop();
    }
    Thread.sleep(1500);

    Sluice restarted = Sluice.start(config); // the cleanup runs at start, then every minute
    try {
      Wire wire = new Wire(() -> "http://127.0.0.1:" + restarted.port());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ((List<?>) wire.get("/v1/dead-letters").json().get("items")).isEmpty());
    } finally {
      restarted.stop();
    }
  }
}
