package io.sluice.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of this process over a run, split by thread group (thread names without their numbers),
 * with the load generator's own thread named apart. On a shared machine the CPU per instance is
 * steadier than the rate, which also depends on what else runs.
 */
final class CpuMeter {
  /**
   * CPU time per thread group and of the process in nanoseconds; JIT compile and GC collection time
   * in milliseconds (their threads are not Java threads).
   */
  record Sample(
      long process,
      Map<String, Long> groups,
      double loadAverage,
      long writtenBytes,
      long compileMillis,
      long gcMillis) {}

  static final String GENERATOR = "load generator (its event loop)";

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final long generatorThread;

  CpuMeter(long generatorThread) {
    this.generatorThread = generatorThread;
  }

  Sample sample() {
    Map<String, Long> groups = new HashMap<>();
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu < 0) {
        continue;
      }
      String group =
          info.getThreadId() == generatorThread
              ? GENERATOR
              : info.getThreadName().replaceAll("\\d+", "#");
      groups.merge(group, cpu, Long::sum);
    }
    long gc = 0;
    for (var bean : ManagementFactory.getGarbageCollectorMXBeans()) {
      gc += Math.max(0, bean.getCollectionTime());
    }
    var jit = ManagementFactory.getCompilationMXBean();
    return new Sample(
        os.getProcessCpuTime(),
        groups,
        os.getSystemLoadAverage(),
        writtenBytes(),
        jit == null ? -1 : jit.getTotalCompilationTime(),
        gc);
  }

  /**
   * Bytes this process handed to write(2) so far ({@code wchar} of /proc/self/io: files and
   * sockets), or -1 where there is no /proc.
   */
  static long writtenBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
        if (line.startsWith("wchar:")) {
          return Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** CPU per group between two samples, largest first. */
  static Map<String, Long> delta(Sample before, Sample after) {
    Map<String, Long> d = new HashMap<>();
    after.groups().forEach((k, v) -> d.put(k, v - before.groups().getOrDefault(k, 0L)));
    Map<String, Long> sorted = new LinkedHashMap<>();
    d.entrySet().stream()
        .filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> sorted.put(e.getKey(), e.getValue()));
    return sorted;
  }
}
