package io.sluice.ingestion.store;

import io.sluice.core.problem.Problem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A refused input, kept for operators with the reason it was refused.
 *
 * @param id time-ordered id
 * @param at when it was refused
 * @param channel where it came in, e.g. {@code POST /v1/events} or {@code POST /v1/hooks/github}
 * @param status the HTTP status it was answered with
 * @param reason the problem's detail
 * @param errors every problem, with JSON Pointers into the input
 * @param source the event's source when known, else null
 * @param eventId the event's id when known, else null
 * @param content the input: the envelope's JSON text when it was read, else the body's text
 *     (truncated), or null when it was not kept (unauthenticated webhook bodies)
 */
public record DeadLetter(
    String id,
    Instant at,
    String channel,
    int status,
    String reason,
    List<Problem> errors,
    String source,
    String eventId,
    String content) {
  /** Most characters of a body kept in a dead letter. */
  public static final int MAX_CONTENT = 64 * 1024;

  public DeadLetter {
    errors = List.copyOf(errors);
    if (content != null && content.length() > MAX_CONTENT) {
      content = content.substring(0, MAX_CONTENT);
    }
  }

  /** The JSON form of the API. */
  public Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", id);
    out.put("at", at.toString());
    out.put("channel", channel);
    out.put("status", (long) status);
    out.put("reason", reason);
    List<Object> list = new ArrayList<>();
    for (Problem p : errors) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("pointer", p.pointer());
      e.put("message", p.message());
      list.add(e);
    }
    out.put("errors", list);
    out.put("source", source);
    out.put("eventId", eventId);
    out.put("content", content);
    return out;
  }
}
