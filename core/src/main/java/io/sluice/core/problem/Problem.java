package io.sluice.core.problem;

import java.util.Objects;

/**
 * One thing wrong with an input: where (a JSON Pointer into the input, {@code ""} for the whole
 * document) and what, phrased "expected …, but …" where that reads naturally.
 */
public record Problem(String pointer, String message) {
  public Problem {
    Objects.requireNonNull(pointer, "pointer");
    Objects.requireNonNull(message, "message");
  }

  public static Problem at(String pointer, String message) {
    return new Problem(pointer, message);
  }

  /** Appends one reference token to a JSON Pointer, escaping {@code ~} and {@code /}. */
  public static String child(String pointer, String token) {
    return pointer + "/" + token.replace("~", "~0").replace("/", "~1");
  }

  public static String child(String pointer, int index) {
    return pointer + "/" + index;
  }
}
