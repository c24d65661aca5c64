package io.sluice.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

  /** JMH options that take no value (every other option is followed by its value). */
  private static final Set<String> JMH_FLAGS = Set.of("-l", "-lp", "-lrf", "-lprof", "-h");

  /**
   * The given JMH arguments, plus each default option the caller did not give, plus {@code
   * DeciderBenchmark} when no benchmark pattern is given (the jar holds other modules' benchmarks).
   */
  static String[] jmhArgs(String[] given) {
    Set<String> options = new HashSet<>();
    boolean pattern = false;
    boolean listing = false;
    for (int i = 0; i < given.length; i++) {
      String a = given[i];
      if (!a.startsWith("-")) {
        pattern = true;
      } else {
        options.add(a);
        listing |= JMH_FLAGS.contains(a);
        if (!JMH_FLAGS.contains(a)) {
          i++; // its value
        }
      }
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < JMH_DEFAULTS.size(); i += 2) {
      if (!options.contains(JMH_DEFAULTS.get(i))) {
        out.add(JMH_DEFAULTS.get(i));
        out.add(JMH_DEFAULTS.get(i + 1));
      }
    }
    out.addAll(Arrays.asList(given));
    if (!pattern && !listing) {
      out.add(DeciderBenchmark.class.getSimpleName());
    }
    return out.toArray(String[]::new);
  }

  static String usage() {
    return String.join(
        "\n",
        "usage: java -jar sluice-bench.jar load [options]   (load --help for the options)",
        "       java -jar sluice-bench.jar jmh [JMH options] [benchmark regex]",
        "         defaults: " + String.join(" ", JMH_DEFAULTS) + " DeciderBenchmark (each default",
        "         applies unless given; the pattern unless one is given)",
        "         (-h lists JMH's options, -l the benchmarks)");
  }
}
