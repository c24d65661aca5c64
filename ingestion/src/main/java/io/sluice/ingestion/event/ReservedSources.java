package io.sluice.ingestion.event;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import java.util.List;

/**
 * The {@code sluice/} source prefix is reserved for the events Sluice itself produces: schedule
 * fires ({@code sluice/schedules/...}), lifecycle events ({@code sluice/<node>}), events emitted by
 * workflows ({@code sluice/workflows/...}) and the router's ({@code sluice/router}). The router
 * trusts such sources (a {@code schedule.fired} event from {@code sluice/schedules/<id>} starts
 * that schedule's workflow), so external entry points — {@code POST /v1/events} in every mode and
 * webhooks — refuse them; Sluice's own components admit their events directly through {@code
 * Admission}.
 */
public final class ReservedSources {
  /** The reserved prefix (case-sensitive, as the router compares sources). */
  public static final String PREFIX = "sluice/";

  private ReservedSources() {}

  /** Whether an external producer may not use {@code source}. */
  public static boolean isReserved(String source) {
    return source != null && source.startsWith(PREFIX);
  }

  /**
   * The refusal of an external event with a reserved source (a 422 whose one problem points at
   * {@code pointer}), or null when its source is free.
   */
  public static ProblemException refusal(CloudEvent event, String pointer) {
    if (!isReserved(event.source())) {
      return null;
    }
    return new ProblemException(
        Kind.UNPROCESSABLE,
        "the source prefix '" + PREFIX + "' is reserved for events Sluice itself produces",
        List.of(
            Problem.at(
                pointer,
                "expected a source that does not start with '"
                    + PREFIX
                    + "' (reserved for Sluice's own schedule, workflow and router events), but got '"
                    + event.source()
                    + "'")));
  }
}
