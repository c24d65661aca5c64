package io.sluice.definition;

import io.sluice.core.expr.Expression;
import io.sluice.core.expr.Template;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Compiles {@code triggers}: event patterns with their guard and key, and schedules. */
final class TriggerCompiler {
  static final String DEFAULT_ON_CONFLICT = "useExisting";
  static final String DEFAULT_OVERLAP = "skip";
  static final String DEFAULT_TIMEZONE = "UTC";

  private TriggerCompiler() {}

  static List<TriggerDef> compileAll(DocNode array, Compilation c) {
    List<TriggerDef> triggers = new ArrayList<>();
    for (DocNode trigger : array.items()) {
      DocNode event = trigger.get("event");
      DocNode schedule = trigger.get("schedule");
      if (event.isObject()) {
        TriggerDef compiled = event(event, c);
        if (compiled != null) {
          triggers.add(compiled);
        }
      }
      if (schedule.isObject()) {
        TriggerDef compiled = schedule(schedule, c);
        if (compiled != null) {
          triggers.add(compiled);
        }
      }
    }
    return triggers;
  }

  private static TriggerDef event(DocNode event, Compilation c) {
    String type = event.get("type").asString();
    Object match = event.get("match").asObject();
    Expression when = c.expression(event.get("when"));
    DocNode keyNode = event.get("key");
    Template key = keyNode.isString() ? c.template(keyNode) : null;
    String onConflict = event.get("onConflict").asString();
    if (type == null) {
      return null;
    }
    return new TriggerDef.EventTrigger(
        type, match, when, key, onConflict == null ? DEFAULT_ON_CONFLICT : onConflict);
  }

  private static TriggerDef schedule(DocNode schedule, Compilation c) {
    DocNode cronNode = schedule.get("cron");
    String cron = cronNode.asString();
    if (cron != null && cron.isBlank()) {
      c.add(
          cronNode.pointer(),
          "expected a cron expression such as '0 */5 * * * ?', but it is empty");
      cron = null;
    } else if (cron != null) {
      String problem = CronSyntax.validate(cron);
      if (problem != null) {
        c.add(
            cronNode.pointer(),
            "expected a cron expression (Quartz with seconds such as '0 */5 * * * ?', or 5-field"
                + " Unix such as '*/5 * * * *'), but '"
                + cron
                + "' is invalid: "
                + problem);
        cron = null;
      }
    }
    DocNode zoneNode = schedule.get("timezone");
    TimeValues.zone(zoneNode, c);
    TimeValues.nonNegative(schedule.get("jitter"), c);
    TimeValues.positive(schedule.get("catchUpWindow"), c);
    OffsetDateTime startAt = TimeValues.timestamp(schedule.get("startAt"), c);
    DocNode endNode = schedule.get("endAt");
    OffsetDateTime endAt = TimeValues.timestamp(endNode, c);
    if (startAt != null && endAt != null && !endAt.isAfter(startAt)) {
      c.add(
          endNode.pointer(),
          "expected endAt to be after startAt ("
              + schedule.get("startAt").asString()
              + "), but got "
              + endNode.describe());
    }
    DocNode inputNode = schedule.get("input");
    Template input =
        inputNode.present() ? c.template(inputNode) : c.template(Map.of(), inputNode.pointer());
    String overlap = schedule.get("overlap").asString();
    String zone = zoneNode.asString();
    if (cron == null) {
      return null;
    }
    return new TriggerDef.ScheduleTrigger(
        cron,
        zone == null ? DEFAULT_TIMEZONE : zone,
        overlap == null ? DEFAULT_OVERLAP : overlap,
        input);
  }
}
