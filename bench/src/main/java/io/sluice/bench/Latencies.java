package io.sluice.bench;

import java.util.Arrays;

/** Latencies of one run, in nanoseconds; percentiles by sorting (a run is at most millions). */
final class Latencies {
  private long[] values;
  private int size;

  Latencies(int expected) {
    values = new long[Math.max(16, expected)];
  }

  void add(long nanos) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = nanos;
  }

  int count() {
    return size;
  }

  /** The value at percentile {@code p} (0..100), nearest-rank, in milliseconds; 0 when empty. */
  double percentileMillis(double p) {
    if (size == 0) {
      return 0;
    }
    long[] sorted = Arrays.copyOf(values, size);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * size);
    return sorted[Math.min(size, Math.max(1, rank)) - 1] / 1e6;
  }

  double maxMillis() {
    long max = 0;
    for (int i = 0; i < size; i++) {
      max = Math.max(max, values[i]);
    }
    return max / 1e6;
  }
}
