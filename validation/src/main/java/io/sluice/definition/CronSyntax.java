package io.sluice.definition;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.quartz.CronExpression;

/**
 * Cron syntax (SPEC §2 {@code schedule} triggers): Quartz expressions (6 or 7 fields, seconds
 * first) and the common 5-field Unix form, which is converted to Quartz form. Checked when a
 * definition is saved; the scheduler computes fire times from the same Quartz form.
 */
public final class CronSyntax {
  private static final String[] UNIX_DAY_NAMES = {
    "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"
  };

  private CronSyntax() {}

  /** The problem with a cron expression (either form), or null when it is valid. */
  public static String validate(String cron) {
    try {
      return problem(toQuartz(cron));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  public static String problem(String quartz) {
    try {
      new CronExpression(quartz);
      return null;
    } catch (ParseException e) {
      return e.getMessage();
    } catch (RuntimeException e) {
      // Quartz throws unchecked exceptions for some malformed input (e.g. out-of-range steps)
      return String.valueOf(e.getMessage());
    }
  }

  /**
   * Converts a cron expression to Quartz form: Quartz expressions (6 or 7 fields) are returned as
   * they are; a 5-field Unix expression gets a {@code 0} seconds field, Unix day-of-week numbers (0
   * or 7 = Sunday) become day names, and the day field that is {@code *} becomes {@code ?} (Quartz
   * needs one of day-of-month and day-of-week unspecified; Unix cron's "either day matches" when
   * both are restricted is not expressible and is refused).
   *
   * @throws IllegalArgumentException when the expression has the wrong number of fields
   */
  public static String toQuartz(String cron) {
    if (cron == null || cron.isBlank()) {
      throw new IllegalArgumentException("the cron expression is empty");
    }
    String[] fields = cron.trim().split("\\s+");
    if (fields.length == 6 || fields.length == 7) {
      return String.join(" ", fields).toUpperCase(Locale.ROOT);
    }
    if (fields.length != 5) {
      throw new IllegalArgumentException(
          "expected 5 fields (Unix: minute hour day-of-month month day-of-week) or 6-7 fields"
              + " (Quartz: second minute hour day-of-month month day-of-week [year]), but got "
              + fields.length);
    }
    String dom = fields[2];
    String dow = unixDayOfWeek(fields[4]);
    boolean domAny = dom.equals("*") || dom.equals("?");
    boolean dowAny = dow.equals("*") || dow.equals("?");
    if (dowAny) {
      dow = "?";
    } else if (domAny) {
      dom = "?";
    } else {
      throw new IllegalArgumentException(
          "a 5-field cron that restricts both day-of-month ('"
              + fields[2]
              + "') and day-of-week ('"
              + fields[4]
              + "') is not supported: use '*' in one of them");
    }
    return String.join(" ", "0", fields[0], fields[1], dom, fields[3], dow)
        .toUpperCase(Locale.ROOT);
  }

  private static String unixDayOfWeek(String field) {
    if (field.equals("*") || field.equals("?")) {
      return field;
    }
    List<String> out = new ArrayList<>();
    for (String item : field.split(",", -1)) {
      String base = item;
      String step = null;
      int slash = item.indexOf('/');
      if (slash >= 0) {
        base = item.substring(0, slash);
        step = item.substring(slash + 1);
      }
      String converted;
      if (base.equals("*")) {
        converted = step == null ? "*" : "SUN-SAT";
      } else {
        int dash = base.indexOf('-');
        if (dash > 0) {
          String from = day(base.substring(0, dash));
          String to = day(base.substring(dash + 1));
          converted = from + "-" + to;
          if (to.equals("SUN") && !from.equals("SUN") && step == null) {
            // Unix "5-7" is FRI..SUN: Quartz ranges end at SAT, so add Sunday by itself
            converted = from + "-SAT,SUN";
          }
        } else {
          converted = day(base);
        }
      }
      out.add(step == null ? converted : converted + "/" + step);
    }
    return String.join(",", out);
  }

  private static String day(String token) {
    if (token.matches("[0-7]")) {
      return UNIX_DAY_NAMES[Integer.parseInt(token)];
    }
    if (token.matches("\\d+")) {
      throw new IllegalArgumentException(
          "expected a Unix day-of-week 0-7 (0 and 7 are Sunday), but got " + token);
    }
    return token; // names (MON), and Quartz extras (L, #) are left to Quartz
  }
}
