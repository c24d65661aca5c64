package io.sluice.router.pattern;

import java.util.Arrays;

/** A growable int array, to gather pattern positions without boxing. Not thread-safe. */
final class IntList {
  int[] values;
  int size;

  IntList() {
    this(8);
  }

  IntList(int capacity) {
    values = new int[capacity];
  }

  void add(int v) {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
    }
    values[size++] = v;
  }

  void addAll(int[] vs) {
    addRange(vs, 0, vs.length);
  }

  void addRange(int[] vs, int from, int count) {
    if (size + count > values.length) {
      values = Arrays.copyOf(values, Math.max(size * 2, size + count));
    }
    System.arraycopy(vs, from, values, size, count);
    size += count;
  }

  /** Sorts and drops repeats (a pattern may be filed under several atoms an event passes). */
  void sortDistinct() {
    if (size < 2) {
      return;
    }
    Arrays.sort(values, 0, size);
    int n = 1;
    for (int i = 1; i < size; i++) {
      if (values[n - 1] != values[i]) {
        values[n++] = values[i];
      }
    }
    size = n;
  }

  int[] toArray() {
    return Arrays.copyOf(values, size);
  }
}
