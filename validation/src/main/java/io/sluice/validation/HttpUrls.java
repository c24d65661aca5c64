package io.sluice.validation;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Where Sluice may send requests: absolute http or https URLs with a host. */
public final class HttpUrls {
  private HttpUrls() {}

  /** Whether {@code text} is an absolute http or https URL with a host. */
  public static boolean isAbsoluteHttp(String text) {
    if (text == null) {
      return false;
    }
    try {
      URI uri = new URI(text);
      if (!uri.isAbsolute() || uri.getHost() == null) {
        return false;
      }
      String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
      return scheme.equals("http") || scheme.equals("https");
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
