package io.sluice.orchestrator.steps;

import java.time.Duration;

/**
 * One attempt of a step, as handed to a {@link StepType}.
 *
 * @param with the step's parameters with every expression already evaluated
 * @param timeout the bound on this attempt, or null; the engine enforces it too
 */
public record StepRequest(
    String instanceId,
    String workflowId,
    int version,
    String stepId,
    int attempt,
    Object with,
    Duration timeout,
    String idempotencyKey) {}
