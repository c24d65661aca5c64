package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.server.Sluice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With {@code ingestion.requireSchema=true}, an event of a type without a schema is refused. */
class RequiredSchemaTest {
  private static Sluice node;
  private static Wire wire;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("sluice-require-schema");
    node =
        Sluice.start(
            SluiceConfig.defaults()
                .with(Setting.HTTP_PORT, 0)
                .with(Setting.HTTP_HOST, "127.0.0.1")
                .with(Setting.DATA_DIR, dir)
                .with(Setting.INGESTION_REQUIRE_SCHEMA, true));
    wire = new Wire(() -> "http://127.0.0.1:" + node.port());
  }

  @AfterAll
  static void stop() {
    node.stop();
  }

  @Test
  void anUnknownTypeIsRefusedAndAKnownOneAccepted() {
    String event =
        "{\"specversion\":\"1.0\",\"id\":\"r-1\",\"source\":\"/strict\",\"type\":\"invoice.sent\",\"data\":{}}";

    Wire.Response refused = wire.post("/v1/events", "application/cloudevents+json", event);
    wire.put("/v1/schemas/invoice.sent", "{\"type\":\"object\"}");
    Wire.Response accepted = wire.post("/v1/events", "application/cloudevents+json", event);

    assertThat(refused.status()).as(refused.text()).isEqualTo(422);
    assertThat(refused.pointers()).containsExactly("/type");
    assertThat((String) refused.errors().get(0).get("message")).contains("ingestion.requireSchema");
    assertThat(accepted.status()).as(accepted.text()).isEqualTo(202);
    assertThat(wire.storedEvents("source=/strict")).hasSize(1);
  }
}
