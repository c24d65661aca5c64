package io.sluice.router.routing;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.id.IdGenerator;
import io.sluice.core.json.Json;
import io.sluice.definition.TriggerDef;
import io.sluice.definition.WorkflowDefinition;
import io.sluice.orchestrator.Orchestrator;
import io.sluice.orchestrator.domain.Decider;
import io.sluice.orchestrator.domain.Input;
import io.sluice.orchestrator.domain.InstanceStatus;
import io.sluice.platform.Rx;
import io.vertx.core.Future;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the workflow of a {@code schedule.fired} event (SPEC §2 schedule triggers) with the
 * schedule's overlap policy. The event comes from the scheduler through ingestion (stored once per
 * (source, id): two nodes firing the same slot store one event and start one instance); its key is
 * {@code source + "/" + id} and its input the event's {@code data.input}. External producers cannot
 * send such events: ingestion reserves the {@code sluice/} source prefix. Events emitted by
 * workflow steps carry a chain depth ({@code sluicedepth}) and are never taken for a fire either.
 *
 * <p>"The previous instance of this schedule" is kept in the schedule's state document ({@code
 * schedules} collection, {@code _id} = {@code <workflowId>/<triggerIndex>}, field {@code
 * lastInstanceId}). When it is still RUNNING: {@code skip} (default) starts nothing and counts the
 * skip in the document ({@code skipped}, {@code lastSkipped}); {@code allow} starts anyway; {@code
 * cancelOther} cancels it and starts; {@code bufferOne} keeps the newest fire in the document
 * ({@code buffered}: the event itself and the instance it waits for), starts nothing now, and
 * starts that fire once the running instance has ended.
 *
 * <p>The buffered fire is durable: this node waits for the instance's end in memory, and {@link
 * #resumeBuffered} (called by the scheduler at start and every few seconds, on every node) starts
 * every buffered fire whose instance has ended and waits for the others. Its start is idempotent —
 * the instance key is the fire's identity, so two nodes or two waits starting it make one instance
 * — and a buffered fire older than a fire that has started since is dropped, not started late.
 */
public final class ScheduleStarts {
  private static final Logger log = LoggerFactory.getLogger(ScheduleStarts.class);

  /** The type of the events the scheduler emits. */
  public static final String TYPE = "schedule.fired";

  /** Sources of schedule fires: {@code sluice/schedules/<workflowId>/<triggerIndex>}. */
  public static final String SOURCE_PREFIX = "sluice/schedules/";

  /** How long this node waits in memory for a running instance (then the sweep waits again). */
  private static final java.time.Duration BUFFER_WAIT = java.time.Duration.ofDays(1);

  /** What became of a buffered fire when it was looked at. */
  private enum Buffered {
    /** started now, or found started by another node */
    STARTED,
    /** the instance it waits for still runs */
    WAITING,
    /** no longer buffered (started or replaced meanwhile), or dropped as obsolete */
    GONE
  }

  private final Orchestrator orchestrator;
  private final MongoCollection<Document> schedules;
  private final IdGenerator ids;
  private final Set<String> awaiting = ConcurrentHashMap.newKeySet();

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
        && event.data() instanceof Map
        && !event.extensions().containsKey(Decider.CHAIN_DEPTH);
  }

  /** Starts the schedule's workflow, or records why not: one entry for the routing record. */
  public Future<Map<String, Object>> start(CloudEvent event) {
    Map<?, ?> data = (Map<?, ?>) event.data();
    String workflowId = String.valueOf(data.get("workflowId"));
    int version = ((Number) data.get("version")).intValue();
    int trigger = ((Number) data.get("trigger")).intValue();
    String scheduleId = event.source().substring(SOURCE_PREFIX.length());
    String key = event.identity();
    Object input = data.get("input") == null ? new LinkedHashMap<>() : data.get("input");
    return orchestrator
        .definitions()
        .get(workflowId, version)
        .compose(
            def -> {
              if (!scheduleId.equals(def.id() + "/" + trigger) || !isSchedule(def, trigger)) {
                return Future.failedFuture(
                    new IllegalArgumentException(
                        "expected the fire of a schedule trigger of "
                            + def.id()
                            + " version "
                            + def.version()
                            + ", but trigger "
                            + trigger
                            + " from "
                            + event.source()
                            + " is not one"));
              }
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
                        .append("version", (long) def.version())
                        .append("instanceId", previous)
                        .append("event", Json.write(event.toMap()))))
            : new Document("$inc", new Document("skipped", 1L))
                .append("$set", new Document("lastSkipped", event.id()));
    Future<Map<String, Object>> recorded =
        Rx.first(
                schedules.updateOne(
                    Filters.eq("_id", scheduleId), update, new UpdateOptions().upsert(true)))
            .map(out);
    if (buffer) {
      recorded.onSuccess(x -> awaitAndStart(scheduleId, event.id(), previous));
    }
    return recorded;
  }

  /**
   * Every buffered fire in the store: started when the instance it waits for has ended, else
   * awaited on this node (once per fire, however often this is called). Idempotent; any node may
   * call it at any time.
   *
   * @return how many buffered fires this call started (or found started by another node)
   */
  public Future<Integer> resumeBuffered() {
    return Rx.all(schedules.find(Filters.exists("buffered")))
        .compose(
            docs -> {
              List<Future<Buffered>> all = new ArrayList<>();
              for (Document doc : docs) {
                String scheduleId = doc.getString("_id");
                Document buffered = doc.get("buffered", Document.class);
                String eventId = buffered.getString("eventId");
                all.add(
                    startBuffered(scheduleId, eventId)
                        .onSuccess(
                            b -> {
                              if (b == Buffered.WAITING) {
                                awaitAndStart(scheduleId, eventId, waitsFor(doc));
                              }
                            }));
              }
              return Future.join(all)
                  .map(
                      x ->
                          (int)
                              all.stream()
                                  .filter(f -> f.succeeded() && f.result() == Buffered.STARTED)
                                  .count());
            });
  }

  private static String waitsFor(Document doc) {
    String last = doc.getString("lastInstanceId");
    return last != null ? last : doc.get("buffered", Document.class).getString("instanceId");
  }

  /** This node waits for the instance's end, then starts the buffered fire if still buffered. */
  private void awaitAndStart(String scheduleId, String eventId, String instanceId) {
    String key = scheduleId + "|" + eventId;
    if (instanceId == null || !awaiting.add(key)) {
      return;
    }
    orchestrator
        .engine()
        .awaitEnd(instanceId, BUFFER_WAIT)
        .transform(
            ar ->
                ar.failed() || ar.result().status().isTerminal()
                    ? startBuffered(scheduleId, eventId)
                    : Future.succeededFuture(Buffered.WAITING))
        .onComplete(
            ar -> {
              awaiting.remove(key);
              if (ar.failed()) {
                log.warn(
                    "schedule {}: buffered fire {} not started yet: {}",
                    scheduleId,
                    eventId,
                    ar.cause().toString());
              }
            });
  }

  /**
   * Starts the buffered fire {@code eventId} of the schedule if it is still the one buffered and
   * the instance it waits for is no longer running. Starts first, then clears {@code buffered}: a
   * crash in between leaves it buffered, and starting it again finds the instance by its key.
   */
  private Future<Buffered> startBuffered(String scheduleId, String eventId) {
    return Rx.first(
            schedules
                .find(
                    Filters.and(
                        Filters.eq("_id", scheduleId), Filters.eq("buffered.eventId", eventId)))
                .first())
        .compose(
            doc -> {
              if (doc == null) {
                return Future.succeededFuture(Buffered.GONE);
              }
              return previousRunning(doc)
                  .compose(
                      running -> {
                        if (running != null) {
                          return Future.succeededFuture(Buffered.WAITING);
                        }
                        return startBuffered(scheduleId, eventId, doc);
                      });
            });
  }

  private Future<Buffered> startBuffered(String scheduleId, String eventId, Document doc) {
    String json = doc.get("buffered", Document.class).getString("event");
    if (json == null || startedSince(doc.getString("lastStarted"), eventId)) {
      log.info(
          "schedule {}: buffered fire {} dropped ({})",
          scheduleId,
          eventId,
          json == null ? "recorded without its event" : "a newer fire has started since");
      return unbuffer(scheduleId, eventId).map(Buffered.GONE);
    }
    CloudEvent event = CloudEvent.fromMap(Json.parseObject(json));
    Map<?, ?> data = (Map<?, ?>) event.data();
    String workflowId = String.valueOf(data.get("workflowId"));
    int version = ((Number) data.get("version")).intValue();
    Object input = data.get("input") == null ? new LinkedHashMap<>() : data.get("input");
    String key = event.identity();
    return orchestrator
        .definitions()
        .get(workflowId, version)
        .compose(def -> start(def, scheduleId, key, input, event))
        .compose(
            started -> {
              log.info(
                  "schedule {}: buffered fire {} {} {}",
                  scheduleId,
                  eventId,
                  Boolean.TRUE.equals(started.get("existing")) ? "was started as" : "started",
                  started.get("instanceId"));
              return unbuffer(scheduleId, eventId);
            })
        .map(Buffered.STARTED);
  }

  private Future<Void> unbuffer(String scheduleId, String eventId) {
    return Rx.first(
            schedules.updateOne(
                Filters.and(Filters.eq("_id", scheduleId), Filters.eq("buffered.eventId", eventId)),
                Updates.unset("buffered")))
        .mapEmpty();
  }

  /** Whether the fire {@code lastStarted} is newer than {@code eventId} (both ISO instants). */
  static boolean startedSince(String lastStarted, String eventId) {
    if (lastStarted == null) {
      return false;
    }
    try {
      return Instant.parse(lastStarted).isAfter(Instant.parse(eventId));
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  private static Map<String, Object> entry(WorkflowDefinition def, String key) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workflowId", def.id());
    out.put("version", (long) def.version());
    out.put("key", key);
    return out;
  }

  private static boolean isSchedule(WorkflowDefinition def, int index) {
    return index >= 0
        && index < def.triggers().size()
        && def.triggers().get(index) instanceof TriggerDef.ScheduleTrigger;
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
