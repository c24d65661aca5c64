package io.sluice.scheduler;

import io.sluice.definition.CronSyntax;
import java.text.ParseException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * A cron schedule (SPEC §2 {@code schedule} triggers): a Quartz cron expression (6 or 7 fields,
 * seconds first) or the common 5-field Unix form, evaluated in an IANA time zone, optionally
 * bounded by {@code startAt} (inclusive) and {@code endAt} (inclusive).
 *
 * <p>Fire times are computed on the wall clock of the zone by {@link CronExpression} with its time
 * zone set, so they follow DST changes. A wall time that does not exist (the hour skipped on a
 * spring-forward day) does not fire, as in Quartz: {@code 0 30 2 * * ?} in Europe/Berlin has no
 * fire on that day. A wall time that happens twice (the hour repeated on a fall-back day) fires
 * once, at its first occurrence (summer time): {@code 0 30 2 * * ?} fires once, an hourly schedule
 * fires at 02:00 summer time and next at 03:00 standard time. Immutable, thread-safe (each call
 * works on its own {@link CronExpression}).
 */
public final class CronSchedule {

  private final String expression;
  private final String quartz;
  private final ZoneId zone;
  private final Instant startAt;
  private final Instant endAt;

  private CronSchedule(
      String expression, String quartz, ZoneId zone, Instant startAt, Instant endAt) {
    this.expression = expression;
    this.quartz = quartz;
    this.zone = zone;
    this.startAt = startAt;
    this.endAt = endAt;
  }

  /**
   * Parses a schedule.
   *
   * @param cron Quartz (6 or 7 fields) or Unix (5 fields) cron
   * @param timezone IANA zone id, or null for UTC
   * @param startAt first instant a fire may have, or null
   * @param endAt last instant a fire may have, or null
   * @throws IllegalArgumentException with a message naming the problem
   */
  public static CronSchedule parse(String cron, String timezone, Instant startAt, Instant endAt) {
    ZoneId zone;
    try {
      zone = timezone == null ? ZoneId.of("UTC") : ZoneId.of(timezone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException(
          "expected an IANA time zone such as 'Europe/Berlin', but got '" + timezone + "'");
    }
    if (startAt != null && endAt != null && !endAt.isAfter(startAt)) {
      throw new IllegalArgumentException(
          "expected endAt to be after startAt (" + startAt + "), but got " + endAt);
    }
    String quartz = CronSyntax.toQuartz(cron);
    String problem = CronSyntax.problem(quartz);
    if (problem != null) {
      throw new IllegalArgumentException(
          "expected a cron expression (Quartz with seconds, or 5-field Unix), but '"
              + cron
              + "' is invalid: "
              + problem);
    }
    return new CronSchedule(cron.trim(), quartz, zone, startAt, endAt);
  }

  /** The problem with a cron expression (either form), or null when it is valid. */
  public static String validate(String cron) {
    return CronSyntax.validate(cron);
  }

  /** The expression in Quartz form (see {@link CronSyntax#toQuartz}). */
  public static String toQuartz(String cron) {
    return CronSyntax.toQuartz(cron);
  }

  /** The expression as written. */
  public String expression() {
    return expression;
  }

  /** The expression in Quartz form. */
  public String quartzExpression() {
    return quartz;
  }

  public ZoneId zone() {
    return zone;
  }

  public Optional<Instant> startAt() {
    return Optional.ofNullable(startAt);
  }

  public Optional<Instant> endAt() {
    return Optional.ofNullable(endAt);
  }

  /** A fresh Quartz expression in this schedule's zone (Quartz expressions are not thread-safe). */
  public CronExpression cronExpression() {
    try {
      CronExpression e = new CronExpression(quartz);
      e.setTimeZone(TimeZone.getTimeZone(zone));
      return e;
    } catch (ParseException e) {
      throw new IllegalStateException(e); // validated in parse
    }
  }

  /** The first fire time strictly after {@code after}, or empty when the schedule has ended. */
  public Optional<Instant> nextAfter(Instant after) {
    List<Instant> next = next(after, 1);
    return next.isEmpty() ? Optional.empty() : Optional.of(next.get(0));
  }

  /** Up to {@code count} fire times strictly after {@code after}, in order. */
  public List<Instant> next(Instant after, int count) {
    CronExpression e = cronExpression();
    List<Instant> out = new ArrayList<>(count);
    Instant cursor = after;
    if (startAt != null && cursor.isBefore(startAt)) {
      cursor = startAt.minusMillis(1);
    }
    while (out.size() < count) {
      Date next = e.getNextValidTimeAfter(Date.from(cursor));
      if (next == null) {
        break;
      }
      Instant fire = next.toInstant();
      // Fall-back overlap: Quartz answers the later (standard-time) instant of a repeated wall
      // time. Each wall time fires once, at its first occurrence.
      LocalDateTime wall = LocalDateTime.ofInstant(fire, zone);
      ZoneOffsetTransition transition = zone.getRules().getTransition(wall);
      if (transition != null && transition.isOverlap()) {
        Instant earlier = wall.atOffset(transition.getOffsetBefore()).toInstant();
        if (fire.isAfter(earlier)) {
          if (earlier.isAfter(cursor)) {
            fire = earlier;
          } else {
            cursor = fire; // this wall time fired at its first occurrence already
            continue;
          }
        }
      }
      if (endAt != null && fire.isAfter(endAt)) {
        break;
      }
      if (!fire.isAfter(cursor)) {
        cursor = cursor.plusSeconds(1); // defensive: Quartz must move forward
        continue;
      }
      out.add(fire);
      cursor = fire;
    }
    return out;
  }

  /**
   * The fire times in {@code (from, to]}, oldest first, at most {@code limit}: the slots missed
   * while no scheduler ran.
   */
  public List<Instant> between(Instant from, Instant to, int limit) {
    List<Instant> out = new ArrayList<>();
    Instant cursor = from;
    while (out.size() < limit) {
      Optional<Instant> next = nextAfter(cursor);
      if (next.isEmpty() || next.get().isAfter(to)) {
        break;
      }
      out.add(next.get());
      cursor = next.get();
    }
    return out;
  }

  /**
   * Equal when the fire times are: same Quartz form, zone and bounds (the expression as written may
   * differ, e.g. a Unix and a Quartz spelling of one schedule). Schedules with equal {@code
   * CronSchedule}s share one timer ({@link Timetable}).
   */
  @Override
  public boolean equals(Object other) {
    return other instanceof CronSchedule c
        && quartz.equals(c.quartz)
        && zone.equals(c.zone)
        && java.util.Objects.equals(startAt, c.startAt)
        && java.util.Objects.equals(endAt, c.endAt);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(quartz, zone, startAt, endAt);
  }

  @Override
  public String toString() {
    return expression + " (" + zone + ")";
  }
}
