package io.sluice.orchestrator.api;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.platform.LifecycleBus;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * {@code GET /v1/lifecycle/stream?type=a,b}: lifecycle events as Server-Sent Events, each with
 * {@code id:} (the event id), {@code event:} (its type) and {@code data:} (the structured
 * CloudEvent). Without {@code type} every lifecycle event is sent. A comment line every 15 s keeps
 * idle connections open through proxies.
 */
public final class LifecycleStream {
  private static final long KEEPALIVE_MS = 15_000;
  private final Vertx vertx;

  public LifecycleStream(Vertx vertx) {
    this.vertx = vertx;
  }

  public void mount(Router router) {
    router.get("/v1/lifecycle/stream").handler(this::stream);
  }

  private void stream(RoutingContext ctx) {
    String types = ctx.queryParams().get("type");
    Set<String> wanted = types == null || types.isBlank() ? Set.of() : Set.of(types.split(","));
    HttpServerResponse response = ctx.response();
    response
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("Connection", "keep-alive");
    response.write(": connected\n\n");
    MessageConsumer<CloudEvent> consumer =
        vertx
            .eventBus()
            .consumer(
                LifecycleBus.LIFECYCLE,
                message -> {
                  CloudEvent e = message.body();
                  if (!wanted.isEmpty() && !wanted.contains(e.type())) {
                    return;
                  }
                  if (response.writeQueueFull()) {
                    return; // a slow client misses events rather than growing our memory
                  }
                  response.write(
                      "id: "
                          + e.id()
                          + "\nevent: "
                          + e.type()
                          + "\ndata: "
                          + Json.write(e.toMap())
                          + "\n\n");
                });
    long keepalive = vertx.setPeriodic(KEEPALIVE_MS, t -> response.write(": keepalive\n\n"));
    response.closeHandler(
        v -> {
          vertx.cancelTimer(keepalive);
          consumer.unregister();
        });
  }
}
