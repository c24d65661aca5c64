package io.sluice.core.id;

/**
 * Makes unique identifiers. Implementations are thread-safe. Ids from {@link TimeOrderedIds} sort
 * lexicographically by creation time, which the stores use for newest-first paging.
 */
@FunctionalInterface
public interface IdGenerator {
  String next();
}
