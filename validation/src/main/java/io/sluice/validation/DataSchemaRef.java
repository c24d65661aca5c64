package io.sluice.validation;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry version named by an event's {@code dataschema}: any URI whose path ends in {@code
 * schemas/<type>/versions/<n>}, e.g. {@code
 * https://sluice.example/v1/schemas/order.created/versions/2} or {@code
 * sluice:schemas/order.created/versions/2}. Other URIs name no registry version (the registry then
 * also looks for a registered schema whose {@code $id} equals the URI).
 */
public record DataSchemaRef(String type, int version) {
  private static final Pattern PATH =
      Pattern.compile("(?:^|[/:])schemas/([^/?#]+)/versions/(\\d{1,9})(?:[?#].*)?$");

  /** The type and version the URI names, if it has the registry's form. */
  public static Optional<DataSchemaRef> parse(String dataschema) {
    if (dataschema == null) {
      return Optional.empty();
    }
    Matcher m = PATH.matcher(dataschema);
    if (!m.find()) {
      return Optional.empty();
    }
    String type = java.net.URLDecoder.decode(m.group(1), java.nio.charset.StandardCharsets.UTF_8);
    return Optional.of(new DataSchemaRef(type, Integer.parseInt(m.group(2))));
  }
}
