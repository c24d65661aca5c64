package io.sluice.router.routing;

import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.orchestrator.engine.Engine;
import io.sluice.orchestrator.store.InstanceStore;
import io.sluice.platform.Http;
import io.sluice.router.TriggerIndex;
import io.sluice.router.TriggerIndex.Match;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/events/replay}: routes stored events of a time range (and type) again. Starts are
 * idempotent per (workflow, key), so a replay only starts what the events did not start before
 * (e.g. for a workflow saved since). With {@code dryRun}, nothing starts: the answer lists, per
 * event and matching trigger, the instance it would start or the one that already exists.
 */
public final class ReplayRoutes {
  static final int DEFAULT_LIMIT = 1000;
  static final int MAX_LIMIT = 10_000;

  private final Routing routing;
  private final TriggerIndex index;
  private final InstanceStore instances;
  private final EventArchive archive;
  private final Clock clock;

  public ReplayRoutes(Routing routing, InstanceStore instances, EventArchive archive, Clock clock) {
    this.routing = routing;
    this.index = routing.index();
    this.instances = instances;
    this.archive = archive;
    this.clock = clock;
  }

  public void mount(Router router) {
    router.post("/v1/events/replay").handler(this::replay);
  }

  private void replay(RoutingContext ctx) {
    Map<String, Object> body = Http.objectBody(ctx);
    List<Problem> problems = new ArrayList<>();
    Instant since = instant(body, "since", null, problems);
    Instant until = instant(body, "until", clock.instant(), problems);
    Object type = body.get("type");
    if (type != null && !(type instanceof String)) {
      problems.add(Problem.at("/type", "expected an event type string, but got " + type));
    }
    boolean dryRun = Boolean.TRUE.equals(body.get("dryRun"));
    int limit = DEFAULT_LIMIT;
    Object l = body.get("limit");
    if (l instanceof Long n && n >= 1 && n <= MAX_LIMIT) {
      limit = n.intValue();
    } else if (l != null) {
      problems.add(
          Problem.at("/limit", "expected an integer from 1 to " + MAX_LIMIT + ", but got " + l));
    }
    if (since == null && problems.stream().noneMatch(p -> p.pointer().equals("/since"))) {
      problems.add(Problem.at("/since", "expected the start of the time range, but it is missing"));
    }
    if (!problems.isEmpty()) {
      throw new ProblemException(
          ProblemException.Kind.UNPROCESSABLE, "bad replay request", problems);
    }
    archive
        .between((String) type, since, until, limit)
        .compose(events -> dryRun ? dryRun(events) : replay(events))
        .onSuccess(
            results -> {
              Map<String, Object> out = new LinkedHashMap<>();
              out.put("dryRun", dryRun);
              out.put("events", (long) results.size());
              out.put("results", results);
              Http.json(ctx, 200, out);
            })
        .onFailure(ctx::fail);
  }

  private Future<List<Map<String, Object>>> replay(List<EventArchive.Archived> events) {
    Future<List<Map<String, Object>>> chain = Future.succeededFuture(new ArrayList<>());
    for (EventArchive.Archived a : events) {
      chain =
          chain.compose(
              results ->
                  routing
                      .routeAndRecord(a.storeId(), a.event())
                      .map(
                          r -> {
                            Map<String, Object> row = new LinkedHashMap<>();
                            row.put("id", a.storeId());
                            row.put("type", a.event().type());
                            row.putAll(r.toMap());
                            results.add(row);
                            return results;
                          }));
    }
    return chain;
  }

  private Future<List<Map<String, Object>>> dryRun(List<EventArchive.Archived> events) {
    List<Future<Map<String, Object>>> rows = new ArrayList<>();
    for (EventArchive.Archived a : events) {
      List<Future<Map<String, Object>>> triggers = new ArrayList<>();
      for (Match m : index.match(a.event())) {
        triggers.add(wouldStart(m, a));
      }
      rows.add(
          Future.all(triggers)
              .map(
                  all -> {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("id", a.storeId());
                    row.put("type", a.event().type());
                    row.put("matches", all.list());
                    return row;
                  }));
    }
    return Future.all(rows).map(all -> all.list());
  }

  private Future<Map<String, Object>> wouldStart(Match m, EventArchive.Archived a) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workflowId", m.workflowId());
    out.put("version", (long) m.version());
    String key;
    try {
      key = Routing.key(m.trigger(), a.event());
    } catch (IllegalArgumentException e) {
      out.put("wouldStart", false);
      out.put("reason", e.getMessage());
      return Future.succeededFuture(out);
    }
    out.put("key", key);
    Engine.OnConflict policy = Engine.OnConflict.of(m.trigger().onConflict());
    return instances
        .idByKey(m.workflowId(), key)
        .compose(id -> id == null ? Future.succeededFuture(null) : instances.get(id))
        .compose(
            holder -> {
              if (holder == null) {
                out.put("wouldStart", true);
                out.put("reason", "no instance has this key yet: replaying would start one");
                return Future.succeededFuture(out);
              }
              out.put("existingInstance", holder.id());
              Engine.Resolution resolution = policy.resolve(holder, a.event());
              if (resolution == Engine.Resolution.ANSWER_HOLDER) {
                out.put("wouldStart", false);
                out.put("reason", "an instance with this key exists: replaying starts nothing new");
                return Future.succeededFuture(out);
              }
              if (resolution == Engine.Resolution.FAIL) {
                out.put("wouldStart", false);
                out.put(
                    "reason",
                    "instance "
                        + holder.id()
                        + " holds this key and runs: the start would fail (onConflict: fail)");
                return Future.succeededFuture(out);
              }
              return instances
                  .idByKey(m.workflowId(), InstanceStore.releasedKey(key, a.event().identity()))
                  .map(
                      earlier -> {
                        out.put("wouldStart", earlier == null);
                        if (earlier != null) {
                          out.put("existingInstance", earlier);
                          out.put(
                              "reason",
                              "this event started instance "
                                  + earlier
                                  + ", superseded since: replaying starts nothing new");
                        } else {
                          out.put(
                              "reason",
                              "instance "
                                  + holder.id()
                                  + " holds this key: replaying would supersede it and start a new"
                                  + " one (onConflict: terminateExisting)");
                        }
                        return out;
                      });
            });
  }

  private static Instant instant(
      Map<String, Object> body, String name, Instant fallback, List<Problem> problems) {
    Object value = body.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      return Instant.parse(value.toString());
    } catch (DateTimeParseException e) {
      problems.add(
          Problem.at(
              "/" + name,
              "expected an RFC 3339 timestamp such as 2026-01-31T12:00:00Z, but got '"
                  + value
                  + "'"));
      return null;
    }
  }
}
