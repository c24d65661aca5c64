package io.sluice.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Options of {@code load}. Every problem is reported at once.
 *
 * @param waitFor the {@code ?wait=} of each start; null with {@code --no-wait} (completion is then
 *     seen on the lifecycle SSE stream)
 * @param storeUri the store to read write counters from; with {@code --embedded} found by itself
 * @param store with {@code --embedded}: null for the node's own embedded store, or a {@link
 *     BenchStore} kind the benchmark starts (and counts every command of)
 * @param events start through events ({@code POST /v1/events} matched by the workflow's trigger)
 *     instead of the start API; completion is seen on the SSE stream
 */
record LoadOptions(
    String url,
    int instances,
    int concurrency,
    String workflow,
    int warmup,
    Duration waitFor,
    boolean embedded,
    Path dataDir,
    String storeUri,
    String storeDatabase,
    Duration timeout,
    String store,
    boolean events) {

  static final String HELP =
      String.join(
          "\n",
          "usage: java -jar sluice-bench.jar load [options]",
          "  --url URL            the node (default http://localhost:8080; ignored with --embedded)",
          "  --instances N        measured instances (default 20000)",
          "  --concurrency C      starts in flight (default 64)",
          "  --workflow ID        id to save the 3-step transform workflow under (default t3)",
          "  --warmup W           instances run first and not measured (default 2000)",
          "  --wait PT30S         the ?wait= of each start (default PT30S)",
          "  --no-wait            start without ?wait= and see completion on the SSE stream",
          "                       (then C is the number of instances not yet seen completed)",
          "  --events             start each instance by an event (POST /v1/events, routed by",
          "                       the workflow's trigger) instead of the start API; implies",
          "                       --no-wait: latency = event sent -> workflow.completed on SSE",
          "  --embedded           start an in-process node on a temporary directory and port 0",
          "  --data-dir DIR       with --embedded: keep the store here instead (not deleted)",
          "  --store KIND         with --embedded: instead of the node's own (durable) embedded",
          "                       store, one the benchmark starts and counts every command of:",
          "                       h2-background (stock H2Backend, commits about once a second) or",
          "                       memory",
          "  --store-uri URI      count store writes on this MongoDB (found alone with --embedded)",
          "  --store-db NAME      the database of --store-uri (default sluice)",
          "  --timeout PT60S      an instance not completed within this is an error");

  static LoadOptions parse(String... args) {
    String url = "http://localhost:8080";
    int instances = 20_000;
    int concurrency = 64;
    String workflow = "t3";
    int warmup = 2_000;
    Duration wait = Duration.ofSeconds(30);
    boolean noWait = false;
    boolean events = false;
    boolean embedded = false;
    Path dataDir = null;
    String storeUri = null;
    String storeDb = "sluice";
    Duration timeout = Duration.ofSeconds(60);
    String store = null;
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      boolean flag = arg.equals("--no-wait") || arg.equals("--embedded") || arg.equals("--events");
      String value = flag || i + 1 >= args.length ? null : args[++i];
      if (!flag && value == null) {
        problems.add("expected a value after " + arg + ", but the arguments end");
        break;
      }
      switch (arg) {
        case "--url":
          url = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
          break;
        case "--instances":
          instances = positive(arg, value, problems);
          break;
        case "--concurrency":
          concurrency = positive(arg, value, problems);
          break;
        case "--workflow":
          workflow = value;
          break;
        case "--warmup":
          warmup = Math.max(0, integer(arg, value, problems));
          break;
        case "--wait":
          wait = duration(arg, value, problems);
          break;
        case "--no-wait":
          noWait = true;
          break;
        case "--embedded":
          embedded = true;
          break;
        case "--events":
          events = true;
          noWait = true;
          break;
        case "--data-dir":
          dataDir = Path.of(value);
          break;
        case "--store-uri":
          storeUri = value;
          break;
        case "--store-db":
          storeDb = value;
          break;
        case "--store":
          store = value;
          if (!BenchStore.KINDS.contains(value)) {
            problems.add("expected one of " + BenchStore.KINDS + " for --store, but got " + value);
          }
          break;
        case "--timeout":
          timeout = duration(arg, value, problems);
          break;
        default:
          problems.add("expected an option of --help, but got '" + arg + "'");
      }
    }
    if (store != null && !embedded) {
      problems.add("expected --store only with --embedded");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
    return new LoadOptions(
        url,
        instances,
        concurrency,
        workflow,
        warmup,
        noWait ? null : wait,
        embedded,
        dataDir,
        storeUri,
        storeDb,
        timeout,
        store,
        events);
  }

  boolean noWait() {
    return waitFor == null;
  }

  private static int integer(String name, String value, List<String> problems) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      problems.add("expected an integer for " + name + ", but got '" + value + "'");
      return 1;
    }
  }

  private static int positive(String name, String value, List<String> problems) {
    int n = integer(name, value, problems);
    if (n < 1) {
      problems.add("expected a positive integer for " + name + ", but got " + n);
    }
    return n;
  }

  private static Duration duration(String name, String value, List<String> problems) {
    try {
      return Duration.parse(value);
    } catch (DateTimeParseException e) {
      problems.add(
          "expected an ISO-8601 duration such as PT30S for " + name + ", but got " + value);
      return Duration.ofSeconds(30);
    }
  }
}
