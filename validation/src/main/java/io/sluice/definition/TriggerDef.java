package io.sluice.definition;

import io.sluice.core.expr.Expression;
import io.sluice.core.expr.Template;

/** What starts a workflow (SPEC §2): an event pattern or a schedule. */
public sealed interface TriggerDef {

  /**
   * Starts an instance for each matching event.
   *
   * @param match EventBridge-style pattern over the whole envelope (raw JSON), or null
   * @param when optional CEL guard over {@code event}
   * @param key idempotency key template, or null for the event's identity
   * @param onConflict {@code useExisting} (default), {@code fail} or {@code terminateExisting}
   */
  record EventTrigger(String type, Object match, Expression when, Template key, String onConflict)
      implements TriggerDef {}

  /**
   * Starts an instance on a cron schedule.
   *
   * @param overlap {@code skip} (default), {@code allow}, {@code bufferOne}, {@code cancelOther}
   * @param input static input or a template with {@code schedule.fireTime} in scope
   */
  record ScheduleTrigger(String cron, String timezone, String overlap, Template input)
      implements TriggerDef {}
}
