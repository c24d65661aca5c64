package io.sluice.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar sluice-bench.jar load ...} runs the {@link LoadGenerator}; {@code jmh ...} runs
 * JMH (with short defaults when given no options).
 */
public final class Bench {
  /**
   * JMH defaults: about 25 s per benchmark, one fork. The warm-up is longer than JMH's usual short
   * runs because the CEL evaluation paths take 10-15 s to reach C2 on a busy 2-core machine; with
   * {@code -wi 2 -w 2s} the first measured iterations were still 5-10x slower.
   */
  static final List<String> JMH_DEFAULTS =
      List.of("-wi", "4", "-w", "4s", "-i", "3", "-r", "3s", "-f", "1");

  private Bench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || "-h".equals(args[0]) || "--help".equals(args[0])) {
      System.out.println(usage());
      return;
    }
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (args[0]) {
      case "load":
        System.exit(LoadGenerator.run(rest));
        break;
      case "jmh":
        org.openjdk.jmh.Main.main(jmhArgs(rest));
        break;
      default:
        System.err.println("expected 'load' or 'jmh', but got '" + args[0] + "'\n" + usage());
        System.exit(2);
    }
  }

  /** The JMH defaults unless the caller gave any option; a bare pattern keeps the defaults. */
  static String[] jmhArgs(String[] given) {
    boolean options = Arrays.stream(given).anyMatch(a -> a.startsWith("-"));
    List<String> out = new ArrayList<>();
    if (!options) {
      out.addAll(JMH_DEFAULTS);
    }
    out.addAll(Arrays.asList(given));
    if (given.length == 0) {
      out.add(DeciderBenchmark.class.getSimpleName());
    }
    return out.toArray(String[]::new);
  }

  static String usage() {
    return String.join(
        "\n",
        "usage: java -jar sluice-bench.jar load [options]   (load --help for the options)",
        "       java -jar sluice-bench.jar jmh [JMH options] [benchmark regex]",
        "         without options: " + String.join(" ", JMH_DEFAULTS) + " DeciderBenchmark",
        "         (-h lists JMH's options, -l the benchmarks)");
  }
}
