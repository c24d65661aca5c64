package io.sluice.ingestion;

import io.sluice.config.Setting;
import io.sluice.config.SluiceConfig;
import io.sluice.core.id.IdGenerator;
import java.time.Clock;
import java.time.Duration;

/**
 * What ingestion takes from configuration, plus the injected clock and id generator. The body size
 * limit ({@code ingestion.maxBodyBytes}) is enforced by the launcher's body handler, before any
 * ingestion code runs. {@code node} ({@code node.id}) marks the events this node stored, for the
 * router's recovery.
 */
public record IngestionOptions(
    String node,
    Clock clock,
    IdGenerator ids,
    int maxBatchEvents,
    int maxJsonDepth,
    boolean requireSchema,
    Duration deadLetterRetention,
    Duration signatureTolerance) {

  public static IngestionOptions from(SluiceConfig config, Clock clock, IdGenerator ids) {
    return new IngestionOptions(
        config.get(Setting.NODE_ID),
        clock,
        ids,
        config.get(Setting.INGESTION_MAX_BATCH_EVENTS),
        config.get(Setting.INGESTION_MAX_JSON_DEPTH),
        config.get(Setting.INGESTION_REQUIRE_SCHEMA),
        config.get(Setting.INGESTION_DEAD_LETTER_RETENTION),
        config.get(Setting.INGESTION_SIGNATURE_TOLERANCE));
  }
}
