package io.sluice.ingestion.http;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.event.EventReader;
import io.sluice.ingestion.event.Submission;
import io.sluice.ingestion.store.DeadLetter;
import io.sluice.ingestion.store.DeadLetters;
import io.sluice.ingestion.store.EventQuery;
import io.sluice.ingestion.store.EventStore;
import io.sluice.ingestion.store.StoredEvent;
import io.sluice.platform.Http;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/events} (structured, binary, batch), {@code GET /v1/events[/{id}]} and {@code GET
 * /v1/dead-letters}.
 */
public final class EventRoutes {
  static final String CHANNEL = "POST /v1/events";

  private final EventReader reader;
  private final Admission admission;
  private final EventStore store;
  private final DeadLetters deadLetters;

  public EventRoutes(
      EventReader reader, Admission admission, EventStore store, DeadLetters deadLetters) {
    this.reader = reader;
    this.admission = admission;
    this.store = store;
    this.deadLetters = deadLetters;
  }

  public void mount(Router router) {
    router.post("/v1/events").handler(this::post);
    router.get("/v1/events").handler(this::list);
    router.get("/v1/events/:id").handler(this::get);
    router.get("/v1/dead-letters").handler(this::deadLetters);
  }

  private void post(RoutingContext ctx) {
    byte[] body = Answers.bytes(ctx);
    Submission submission;
    try {
      submission = reader.read(ctx.request().getHeader("Content-Type"), Answers.headers(ctx), body);
    } catch (ProblemException e) {
      admission.refused(CHANNEL, e, Answers.text(body)).onComplete(x -> ctx.fail(e));
      return;
    }
    if (submission.batch()) {
      admission
          .admitAll(submission.entries(), CHANNEL)
          .onSuccess(outcomes -> Answers.batch(ctx, outcomes))
          .onFailure(ctx::fail);
    } else {
      admission
          .admit(submission.entries().get(0), CHANNEL)
          .onSuccess(outcome -> Answers.single(ctx, outcome))
          .onFailure(ctx::fail);
    }
  }

  private void get(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    store
        .get(id)
        .onSuccess(
            e -> {
              if (e == null) {
                ctx.fail(
                    ProblemException.of(Kind.NOT_FOUND, "no stored event has the id '" + id + "'"));
              } else {
                Http.json(ctx, 200, e.toMap());
              }
            })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    var q = ctx.queryParams();
    EventQuery query =
        new EventQuery(
            q.get("type"),
            q.get("source"),
            q.get("eventId"),
            since(q.get("since")),
            q.get("cursor"),
            Http.limit(ctx, 50, 500));
    store
        .list(query)
        .onSuccess(
            page -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("items", page.items().stream().map(StoredEvent::toMap).toList());
              body.put("next", page.next());
              Http.json(ctx, 200, body);
            })
        .onFailure(ctx::fail);
  }

  private void deadLetters(RoutingContext ctx) {
    deadLetters
        .list(ctx.queryParams().get("cursor"), Http.limit(ctx, 50, 500))
        .onSuccess(
            page -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("items", page.items().stream().map(DeadLetter::toMap).toList());
              body.put("next", page.next());
              Http.json(ctx, 200, body);
            })
        .onFailure(ctx::fail);
  }

  private static Instant since(String value) {
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      throw new ProblemException(
          Kind.MALFORMED,
          "bad query parameter 'since'",
          List.of(
              Problem.at(
                  "",
                  "expected 'since' as an ISO-8601 instant such as 2024-05-01T12:00:00Z, but got '"
                      + value
                      + "'")));
    }
  }
}
