package io.sluice.scheduler;

import io.sluice.core.problem.ProblemException;
import io.sluice.platform.Http;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code GET /v1/schedules} (every schedule with its next 5 fire times, last fire and state) and
 * {@code POST /v1/schedules/{id}/pause|resume}. A schedule's id is {@code
 * <workflowId>/<triggerIndex>}; in a URL write it URL-encoded ({@code order-sweep%2F1}) or with a
 * dot before the index ({@code order-sweep.1}).
 */
public final class ScheduleRoutes {
  private final Scheduler scheduler;

  public ScheduleRoutes(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  public void mount(Router router) {
    router
        .get("/v1/schedules")
        .handler(
            ctx ->
                scheduler
                    .list()
                    // items, as every other list; schedules, as the first version answered
                    .onSuccess(
                        list -> Http.json(ctx, 200, Map.of("items", list, "schedules", list)))
                    .onFailure(ctx::fail));
    router.post("/v1/schedules/:id/pause").handler(ctx -> setPaused(ctx, true));
    router.post("/v1/schedules/:id/resume").handler(ctx -> setPaused(ctx, false));
  }

  private void setPaused(RoutingContext ctx, boolean paused) {
    String id = id(ctx.pathParam("id"));
    scheduler
        .setPaused(id, paused)
        .onSuccess(s -> Http.json(ctx, 200, s))
        .onFailure(
            e ->
                ctx.fail(
                    e instanceof IllegalArgumentException
                        ? ProblemException.of(
                            ProblemException.Kind.NOT_FOUND,
                            "no schedule '" + id + "' (ids are <workflowId>/<triggerIndex>)")
                        : e));
  }

  /** {@code wf%2F1} and {@code wf.1} both name {@code wf/1}. */
  static String id(String raw) {
    String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
    if (id.contains("/")) {
      return id;
    }
    int dot = id.lastIndexOf('.');
    return dot > 0 ? id.substring(0, dot) + "/" + id.substring(dot + 1) : id;
  }
}
