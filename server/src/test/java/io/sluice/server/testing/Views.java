package io.sluice.server.testing;

import java.util.List;
import java.util.Map;

/** Reading the API's JSON answers in tests: pages, an instance's steps, nested objects. */
public final class Views {
  private Views() {}

  /** The {@code items} of a page ({@code GET /v1/instances}, history, ...). */
  @SuppressWarnings("unchecked")
  public static List<Map<String, Object>> items(Map<String, Object> page) {
    return (List<Map<String, Object>>) page.get("items");
  }

  /** {@link #items(Map)} of an answer's body. */
  public static List<Map<String, Object>> items(Client.Response page) {
    return items(page.json());
  }

  /** The step {@code id} of an instance view. */
  public static Map<String, Object> step(Map<String, Object> instance, String id) {
    List<Map<String, Object>> steps = list(instance.get("steps"));
    return steps.stream().filter(s -> s.get("id").equals(id)).findFirst().orElseThrow();
  }

  /** A JSON object member, as a map. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object value) {
    return (List<Map<String, Object>>) value;
  }
}
