package io.sluice.router.routing;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.IdGenerator;
import io.sluice.definition.TriggerDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.orchestrator.store.Rx;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the workflow of a {@code schedule.fired} event (SPEC §2 schedule triggers) with the
 * schedule's overlap policy. The event comes from the scheduler through ingestion (stored once per
 * (source, id): two nodes firing the same slot store one event and start one instance); its key is
 * {@code source + "/" + id} and its input the event's {@code data.input}.
 *
 * <p>"The previous instance of this schedule" is kept in the schedule's state document ({@code
 * schedules} collection, {@code _id} = {@code <workflowId>/<triggerIndex>}, field {@code
 * lastInstanceId}). When it is still RUNNING: {@code skip} (default) starts nothing and counts the
 * skip in the document ({@code skipped}, {@code lastSkipped}); {@code allow} starts anyway; {@code
 * cancelOther} cancels it and starts; {@code bufferOne} keeps the newest fire in the document
 * ({@code buffered}), starts nothing now, and starts that fire when the running instance ends (this
 * node waits for it in memory: a restart meanwhile leaves the fire buffered, unstarted).
 */
public final class ScheduleStarts {
  private static final Logger log = LoggerFactory.getLogger(ScheduleStarts.class);

  /** The type of the events the scheduler emits. */
  public static final String TYPE = "schedule.fired";

  /** Sources of schedule fires: {@code sluice/schedules/<workflowId>/<triggerIndex>}. */
  public static final String SOURCE_PREFIX = "sluice/schedules/";

  /** How long a buffered fire waits for the running instance (then stays buffered). */
  private static final java.time.Duration BUFFER_WAIT = java.time.Duration.ofDays(1);

  private final Orchestrator orchestrator;
  private final MongoCollection<Document> schedules;
  private final IdGenerator ids;

  public ScheduleStarts(
      Orchestrator orchestrator, MongoCollection<Document> schedules, IdGenerator ids) {
    this.orchestrator = orchestrator;
    this.schedules = schedules;
    this.ids = ids;
  }

  /** Whether the event is a schedule fire this class starts (and event triggers do not). */
  public static boolean isFire(CloudEvent event) {
    return TYPE.equals(event.type())
        && event.source().startsWith(SOURCE_PREFIX)
        && event.data() instanceof Map;
  }

  /** Starts the schedule's workflow, or records why not: one entry for the routing record. */
  public Future<Map<String, Object>> start(CloudEvent event) {
    Map<?, ?> data = (Map<?, ?>) event.data();
    String workflowId = String.valueOf(data.get("workflowId"));
    int version = ((Number) data.get("version")).intValue();
    int trigger = ((Number) data.get("trigger")).intValue();
    String scheduleId = event.source().substring(SOURCE_PREFIX.length());
    String key = event.source() + "/" + event.id();
    Object input = data.get("input") == null ? new LinkedHashMap<>() : data.get("input");
    return orchestrator
        .definitions()
        .get(workflowId, version)
        .compose(
            def -> {
              orchestrator.checkInput(def, input);
              String overlap = overlap(def, trigger);
              return Rx.first(schedules.find(Filters.eq("_id", scheduleId)).first())
                  .compose(state -> previousRunning(state))
                  .compose(
                      previous -> {
                        if (previous == null || overlap.equals("allow")) {
                          return start(def, scheduleId, key, input, event);
                        }
                        if (overlap.equals("cancelOther")) {
                          return orchestrator
                              .engine()
                              .submit(
                                  previous,
                                  new Input.Cancel(
                                      "overlap policy cancelOther: schedule "
                                          + scheduleId
                                          + " fired at "
                                          + event.id()))
                              .transform(ar -> start(def, scheduleId, key, input, event));
                        }
                        return notStarted(def, scheduleId, key, previous, overlap, event);
                      });
            });
  }

  private Future<String> previousRunning(Document state) {
    String previous = state == null ? null : state.getString("lastInstanceId");
    if (previous == null) {
      return Future.succeededFuture(null);
    }
    return orchestrator
        .instanceStore()
        .get(previous)
        .map(s -> s != null && s.status() == InstanceStatus.RUNNING ? previous : null)
        .otherwise((String) null);
  }

  private Future<Map<String, Object>> start(
      WorkflowDefinition def, String scheduleId, String key, Object input, CloudEvent event) {
    return orchestrator
        .engine()
        .start(def, new Input.Start(ids.next(), key, input, event))
        .compose(
            started -> {
              Map<String, Object> out = entry(def, key);
              out.put("instanceId", started.state().id());
              out.put("existing", started.existing());
              if (started.existing()) {
                return Future.succeededFuture(out);
              }
              return Rx.first(
                      schedules.updateOne(
                          Filters.eq("_id", scheduleId),
                          Updates.combine(
                              Updates.set("lastInstanceId", started.state().id()),
                              Updates.set("lastStarted", event.id())),
                          new UpdateOptions().upsert(true)))
                  .map(out);
            });
  }

  private Future<Map<String, Object>> notStarted(
      WorkflowDefinition def,
      String scheduleId,
      String key,
      String previous,
      String overlap,
      CloudEvent event) {
    boolean buffer = overlap.equals("bufferOne");
    log.info(
        "schedule {} fired at {} while instance {} still runs: {}",
        scheduleId,
        event.id(),
        previous,
        buffer ? "buffered (bufferOne)" : "skipped (overlap skip)");
    Map<String, Object> out = entry(def, key);
    out.put("skipped", !buffer);
    out.put("buffered", buffer);
    out.put("runningInstanceId", previous);
    out.put("overlap", overlap);
    Document update =
        buffer
            ? new Document(
                "$set",
                new Document(
                    "buffered",
                    new Document("eventId", event.id())
                        .append("source", event.source())
                        .append("version", (long) def.version())))
            : new Document("$inc", new Document("skipped", 1L))
                .append("$set", new Document("lastSkipped", event.id()));
    Future<Map<String, Object>> recorded =
        Rx.first(
                schedules.updateOne(
                    Filters.eq("_id", scheduleId), update, new UpdateOptions().upsert(true)))
            .map(out);
    if (buffer) {
      recorded.onSuccess(x -> startWhenEnded(def, scheduleId, key, previous, event));
    }
    return recorded;
  }

  /**
   * bufferOne: when the running instance ends, starts the buffered fire if it is still the one
   * buffered (a newer fire replaces it, and its own wait starts it instead).
   */
  private void startWhenEnded(
      WorkflowDefinition def, String scheduleId, String key, String previous, CloudEvent event) {
    Map<?, ?> data = (Map<?, ?>) event.data();
    Object input = data.get("input") == null ? new LinkedHashMap<>() : data.get("input");
    orchestrator
        .engine()
        .awaitEnd(previous, BUFFER_WAIT)
        .compose(
            state -> {
              if (!state.status().isTerminal()) {
                return Future.succeededFuture();
              }
              return Rx.first(
                      schedules.findOneAndUpdate(
                          Filters.and(
                              Filters.eq("_id", scheduleId),
                              Filters.eq("buffered.eventId", event.id())),
                          Updates.unset("buffered")))
                  .compose(
                      doc ->
                          doc == null
                              ? Future.succeededFuture()
                              : start(def, scheduleId, key, input, event)
                                  .onSuccess(
                                      started ->
                                          log.info(
                                              "schedule {}: buffered fire {} started {}",
                                              scheduleId,
                                              event.id(),
                                              started.get("instanceId"))));
            })
        .onFailure(
            e ->
                log.warn(
                    "schedule {}: buffered fire {} not started: {}",
                    scheduleId,
                    event.id(),
                    e.toString()));
  }

  private static Map<String, Object> entry(WorkflowDefinition def, String key) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workflowId", def.id());
    out.put("version", (long) def.version());
    out.put("key", key);
    return out;
  }

  /** The overlap policy of the definition's trigger at {@code index} (skip when unknown). */
  static String overlap(WorkflowDefinition def, int index) {
    if (index >= 0
        && index < def.triggers().size()
        && def.triggers().get(index) instanceof TriggerDef.ScheduleTrigger s
        && s.overlap() != null) {
      return s.overlap();
    }
    return "skip";
  }
}
