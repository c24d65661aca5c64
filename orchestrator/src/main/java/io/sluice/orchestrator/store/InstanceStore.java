package io.sluice.orchestrator.store;

import io.sluice.core.event.CloudEvent;
import io.sluice.orchestrator.domain.InstanceState;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * Durable instance state (port). One instance is one document holding its state, its timers, its
 * lifecycle history and its not-yet-published events, so every state change is one atomic
 * single-document write (DESIGN: single-document atomicity instead of transactions).
 *
 * <p>Futures complete on the calling Vert.x context. Implementations never block an event loop.
 */
public interface InstanceStore {

  /**
   * Creates the instance with its first events. Fails with {@link KeyConflictException} when an
   * instance with the same (workflowId, key) exists; nothing is written then.
   */
  Future<InstanceState> create(
      InstanceState state, List<CloudEvent> events, List<CloudEvent> emitted);

  /**
   * Replaces the state if its stored revision is still {@code state.rev()}, appending the events.
   * Returns the saved state (revision incremented), or null when the stored revision moved on
   * (another writer won; reload and decide again).
   */
  Future<InstanceState> save(
      InstanceState state, List<CloudEvent> events, List<CloudEvent> emitted);

  /** The instance, or null. */
  Future<InstanceState> get(String id);

  /** The id of the instance with this (workflowId, key), or null. */
  Future<String> idByKey(String workflowId, String key);

  /**
   * The stored key of an instance that gave its key up (it was superseded): apart from the live
   * keys in the unique (workflowId, key) index, and unique by what started it, so {@code
   * idByKey(workflowId, releasedKey(key, startedBy))} finds the superseded instance an event
   * started.
   *
   * @param startedBy the identity of the event that started the instance ({@code source/id}), or
   *     the instance id when no event did
   */
  static String releasedKey(String key, String startedBy) {
    return key + RELEASED + startedBy;
  }

  /** Separates a live key from the rest of a released key (no user key holds a NUL). */
  String RELEASED = "\u0000released\u0000";

  /** Lifecycle events of the instance in order, or null when there is no such instance. */
  Future<List<CloudEvent>> history(String id);

  /** Newest first; {@code workflowId} and {@code status} may be null (no filter). */
  Future<Page<InstanceState>> list(
      String workflowId, InstanceStatus status, int limit, String cursor);

  /** Non-terminal instances with ids after {@code afterId} (null: from the start), by id. */
  Future<List<InstanceState>> running(String afterId, int limit);

  /**
   * Lifecycle and emitted events of instances saved at or after {@code since}, each with its save
   * time, for the outbox relay to publish again after a crash.
   */
  Future<List<Outbox>> savedSince(Instant since, String afterId, int limit);

  /** The events one instance may not have published yet. */
  record Outbox(
      String instanceId, Instant updatedAt, List<CloudEvent> events, List<CloudEvent> emitted) {}
}
