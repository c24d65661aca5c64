package io.sluice.orchestrator.store;

/** An instance with the same (workflow, key) exists already; {@link #existingId()} names it. */
public final class KeyConflictException extends RuntimeException {
  private final String existingId;

  public KeyConflictException(String workflowId, String key, String existingId) {
    super(
        "an instance of '" + workflowId + "' with key '" + key + "' exists: " + existingId,
        null,
        false,
        false);
    this.existingId = existingId;
  }

  public String existingId() {
    return existingId;
  }
}
