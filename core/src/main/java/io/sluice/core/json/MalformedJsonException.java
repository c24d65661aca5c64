package io.sluice.core.json;

/** The input was not well-formed JSON (or was nested too deeply); the message says where. */
public final class MalformedJsonException extends RuntimeException {
  public MalformedJsonException(String message, Throwable cause) {
    super(message, cause);
  }
}
