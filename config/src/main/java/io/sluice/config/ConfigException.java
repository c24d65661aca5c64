package io.sluice.config;

import java.util.List;

/** Configuration that cannot start Sluice; {@link #errors()} lists every problem found at once. */
public final class ConfigException extends RuntimeException {

  private final List<String> errors;

  public ConfigException(List<String> errors) {
    super(
        "invalid configuration:\n  "
            + String.join("\n  ", errors)
            + "\n(run with --help to list every setting)");
    this.errors = List.copyOf(errors);
  }

  /** One line per problem, e.g. {@code SLUICE_HTTP_PORT='abc': expected an integer}. */
  public List<String> errors() {
    return errors;
  }
}
