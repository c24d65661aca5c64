package io.sluice.orchestrator.engine;

import io.sluice.orchestrator.domain.InstanceState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last saved state of recently active instances, so the next input of an instance needs no
 * read. Safe because every save checks the revision: a stale entry only costs one failed save.
 * Confined to the engine's context.
 */
final class InstanceCache {
  private final LinkedHashMap<String, InstanceState> entries;

  InstanceCache(int capacity) {
    this.entries =
        new LinkedHashMap<>(256, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, InstanceState> eldest) {
            return size() > capacity;
          }
        };
  }

  InstanceState get(String id) {
    return entries.get(id);
  }

  void put(InstanceState state) {
    entries.put(state.id(), state);
  }

  void remove(String id) {
    entries.remove(id);
  }
}
