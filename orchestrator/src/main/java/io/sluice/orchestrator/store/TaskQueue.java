package io.sluice.orchestrator.store;

import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;

/**
 * The work of {@code task} steps waiting for external workers (port). A task is written after the
 * instance's state says its step waits, and removed after the step stops waiting; writing one again
 * changes nothing (recovery does, for a write a crash may have lost). A worker takes the oldest
 * task of a queue whose lease is over and holds it for its lease; a task whose worker dies is taken
 * again once its lease is over (at-least-once, like every step).
 *
 * <p>Futures complete on the calling Vert.x context.
 */
public interface TaskQueue {
  /**
   * One task: the step attempt it stands for and its input.
   *
   * @param leaseUntil until when the worker that took it holds it; the epoch when nobody does
   */
  record Task(
      String id,
      String queue,
      String instanceId,
      String workflowId,
      String stepId,
      int attempt,
      Object input,
      Instant createdAt,
      Instant leaseUntil,
      String worker) {}

  /** Adds the task unless it is there (then it is left as it is, lease included). */
  Future<Void> offer(Task task);

  Future<Void> remove(String id);

  /** The oldest task of the queue that nobody holds, now held by {@code worker}; null if none. */
  Future<Task> take(String queue, String worker, Duration lease, Instant now);
}
