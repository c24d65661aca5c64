package io.sluice.orchestrator.store;

import java.util.List;

/** One page of a newest-first listing; {@code next} is the cursor of the following page or null. */
public record Page<T>(List<T> items, String next) {}
