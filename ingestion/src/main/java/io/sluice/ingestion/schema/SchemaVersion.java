package io.sluice.ingestion.schema;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One registered version of the schema of an event type.
 *
 * @param type the CloudEvents type it validates
 * @param version 1, 2, ... in registration order
 * @param schema the JSON Schema document (null in listings that leave it out)
 * @param hash SHA-256 of the document's JSON text: registering the same text again is a no-op
 * @param schemaId the document's {@code $id}, when it has one ({@code dataschema} may name it)
 * @param createdAt when it was registered
 */
public record SchemaVersion(
    String type, int version, Object schema, String hash, String schemaId, Instant createdAt) {
  /** The JSON form of the API; {@code withSchema} false leaves the document out (listings). */
  public Map<String, Object> toMap(boolean withSchema) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", type);
    out.put("version", (long) version);
    out.put("hash", hash);
    if (schemaId != null) {
      out.put("$id", schemaId);
    }
    out.put("createdAt", createdAt.toString());
    if (withSchema) {
      out.put("schema", schema);
    }
    return out;
  }
}
