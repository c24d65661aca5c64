package io.sluice.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
  private static final String BERLIN = "Europe/Berlin";

  private static List<Instant> instants(String... s) {
    return java.util.Arrays.stream(s).map(Instant::parse).toList();
  }

  @Test
  void quartzFormWithSecondsInItsZone() {
    CronSchedule s = CronSchedule.parse("0 */5 * * * ?", BERLIN, null, null);
    assertThat(s.next(Instant.parse("2026-11-22T10:02:00Z"), 3))
        .isEqualTo(
            instants("2026-11-22T10:05:00Z", "2026-11-22T10:10:00Z", "2026-11-22T10:15:00Z"));
    // 09:00 Berlin (CET, UTC+1) is 08:00 UTC
    CronSchedule nine = CronSchedule.parse("0 0 9 * * ?", BERLIN, null, null);
    assertThat(nine.nextAfter(Instant.parse("2026-11-22T10:00:00Z")))
        .contains(Instant.parse("2026-11-23T08:00:00Z"));
  }

  @Test
  void fiveFieldUnixFormMatchesItsQuartzEquivalent() {
    assertThat(CronSchedule.toQuartz("*/15 9-17 * * 1-5")).isEqualTo("0 */15 9-17 ? * MON-FRI");
    assertThat(CronSchedule.toQuartz("0 0 1 * *")).isEqualTo("0 0 0 1 * ?");
    assertThat(CronSchedule.toQuartz("0 0 * * 0")).isEqualTo("0 0 0 ? * SUN");
    assertThat(CronSchedule.toQuartz("0 0 * * 5-7")).isEqualTo("0 0 0 ? * FRI-SAT,SUN");
    assertThat(CronSchedule.toQuartz("0 30 2 * * ?")).isEqualTo("0 30 2 * * ?");

    Instant from = Instant.parse("2026-11-19T12:00:00Z"); // a Thursday
    assertThat(CronSchedule.parse("0 0 * * 5-7", "UTC", null, null).next(from, 4))
        .isEqualTo(CronSchedule.parse("0 0 0 ? * FRI-SUN", "UTC", null, null).next(from, 4))
        .isEqualTo(
            instants(
                "2026-11-20T00:00:00Z",
                "2026-11-21T00:00:00Z",
                "2026-11-22T00:00:00Z",
                "2026-11-27T00:00:00Z"));
    assertThat(CronSchedule.parse("*/15 9-17 * * 1-5", "UTC", null, null).next(from, 2))
        .isEqualTo(CronSchedule.parse("0 */15 9-17 ? * MON-FRI", "UTC", null, null).next(from, 2));
  }

  @Test
  void springForwardInBerlin() {
    // 2026-03-29 02:00 CET becomes 03:00 CEST: 02:30 does not exist that day and does not fire
    CronSchedule daily = CronSchedule.parse("0 30 2 * * ?", BERLIN, null, null);
    assertThat(daily.next(Instant.parse("2026-03-27T12:00:00Z"), 3))
        .isEqualTo(
            instants("2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"));
    // an hourly schedule keeps firing every real hour across the gap
    CronSchedule hourly = CronSchedule.parse("0 * * * *", BERLIN, null, null);
    assertThat(hourly.next(Instant.parse("2026-03-28T23:30:00Z"), 3))
        .isEqualTo(
            instants("2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"));
    // 09:00 local moves from UTC+1 to UTC+2
    CronSchedule nine = CronSchedule.parse("0 9 * * *", BERLIN, null, null);
    assertThat(nine.next(Instant.parse("2026-03-28T00:00:00Z"), 2))
        .isEqualTo(instants("2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z"));
  }

  @Test
  void fallBackInBerlin() {
    // 2026-10-25 03:00 CEST becomes 02:00 CET: 02:30 happens twice and fires once, the first time
    CronSchedule daily = CronSchedule.parse("0 30 2 * * ?", BERLIN, null, null);
    assertThat(daily.next(Instant.parse("2026-10-24T12:00:00Z"), 3))
        .isEqualTo(
            instants("2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"));
    assertThat(daily.nextAfter(Instant.parse("2026-10-25T01:00:00Z")))
        .as("between the two 02:30s: the wall time has fired already")
        .contains(Instant.parse("2026-10-26T01:30:00Z"));
    CronSchedule hourly = CronSchedule.parse("0 0 * * * ?", BERLIN, null, null);
    assertThat(hourly.next(Instant.parse("2026-10-24T23:30:00Z"), 3))
        .isEqualTo(
            instants("2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25T03:00:00Z"));
  }

  @Test
  void startAtAndEndAtBoundTheFires() {
    CronSchedule s =
        CronSchedule.parse(
            "0 0 * * * ?",
            "UTC",
            Instant.parse("2026-11-22T10:00:00Z"),
            Instant.parse("2026-11-22T12:00:00Z"));
    assertThat(s.next(Instant.parse("2026-11-22T00:00:00Z"), 5))
        .as("startAt is inclusive, endAt is inclusive")
        .isEqualTo(
            instants("2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z", "2026-11-22T12:00:00Z"));
    assertThat(s.nextAfter(Instant.parse("2026-11-22T12:00:00Z"))).isEmpty();
  }

  @Test
  void betweenListsMissedSlotsOldestFirstBounded() {
    CronSchedule s = CronSchedule.parse("*/10 * * * * ?", "UTC", null, null);
    Instant from = Instant.parse("2026-11-22T10:00:00Z");
    assertThat(s.between(from, from.plusSeconds(35), 10))
        .isEqualTo(
            instants("2026-11-22T10:00:10Z", "2026-11-22T10:00:20Z", "2026-11-22T10:00:30Z"));
    assertThat(s.between(from, from.plusSeconds(35), 2)).hasSize(2);
  }

  @Test
  void invalidExpressionsAreRefusedWithAReason() {
    assertThat(CronSchedule.validate("0 0 25 * * ?")).contains("Hour");
    assertThat(CronSchedule.validate("0 61 * * * ?")).contains("Minute");
    assertThat(CronSchedule.validate("* * *")).contains("got 3");
    assertThat(CronSchedule.validate("0 0 * * 8")).contains("0-7");
    assertThat(CronSchedule.validate("0 0 1 * 1")).contains("both day-of-month");
    assertThat(CronSchedule.validate("0 0 0 * * *")).isNotNull();
    assertThat(CronSchedule.validate("")).contains("empty");
    assertThat(CronSchedule.validate("0 */5 * * * ?")).isNull();
    assertThat(CronSchedule.validate("*/5 * * * *")).isNull();
    assertThatThrownBy(() -> CronSchedule.parse("0 0 25 * * ?", "UTC", null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'0 0 25 * * ?' is invalid");
    assertThatThrownBy(() -> CronSchedule.parse("0 0 * * * ?", "Mars/Olympus", null, null))
        .hasMessageContaining("IANA");
  }
}
