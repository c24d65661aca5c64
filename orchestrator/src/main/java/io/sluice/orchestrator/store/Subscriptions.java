package io.sluice.orchestrator.store;

import io.vertx.core.Future;
import java.util.List;

/**
 * Which instances wait for events of a type (port): the correlation index of {@code waitForEvent}
 * steps. It lives in the store, not in memory, so a hundred thousand waiting instances cost no
 * heap. Entries are written after the instance's state says the step waits, and dropped after it
 * stops waiting; an entry that outlives its wait is harmless (the instance ignores the event), and
 * a missing one is written again by recovery.
 *
 * <p>Futures complete on the calling Vert.x context. All operations are idempotent.
 */
public interface Subscriptions {
  /** One waiting step. */
  record Waiter(String instanceId, String stepId) {}

  Future<Void> add(String type, Waiter waiter);

  Future<Void> remove(String type, Waiter waiter);

  /** Every step registered as waiting for events of this type. */
  Future<List<Waiter>> waiting(String type);
}
