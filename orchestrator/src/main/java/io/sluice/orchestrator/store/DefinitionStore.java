package io.sluice.orchestrator.store;

import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Durable workflow definitions (port): every saved version is kept forever; a head per workflow id
 * says its latest version and whether it is deleted (triggers off, history kept).
 *
 * <p>Futures complete on the calling Vert.x context.
 */
public interface DefinitionStore {

  /** One saved version: the document as the user wrote it and its content hash. */
  record Version(
      String id, int version, Map<String, Object> source, String hash, Instant createdAt) {}

  /** The head of a workflow: its latest version and whether it was deleted. */
  record Head(String id, String name, int latest, boolean deleted, Instant updatedAt) {}

  /**
   * Inserts version {@code version}; fails with {@link VersionTakenException} if another save took
   * that number first (the caller reads the head again and retries).
   */
  Future<Void> insert(Version version);

  /** Moves the head to at least {@code version} (never backwards) and marks it not deleted. */
  Future<Void> advanceHead(String id, String name, int version, Instant at);

  /** Marks the head deleted; returns false when there is no such workflow. */
  Future<Boolean> delete(String id, Instant at);

  Future<Head> head(String id);

  /** The version, or null. */
  Future<Version> version(String id, int version);

  /** The highest saved version (whatever the head says: a crash may leave it behind), or null. */
  Future<Version> latest(String id);

  /** Heads of workflows that are not deleted, by id. */
  Future<List<Head>> heads();

  /** Every version of a workflow, newest first (without documents). */
  Future<List<Version>> versions(String id);

  /** Thrown when a version number was taken by a concurrent save. */
  final class VersionTakenException extends RuntimeException {
    public VersionTakenException(String id, int version) {
      super("version " + version + " of '" + id + "' was saved concurrently", null, false, false);
    }
  }
}
