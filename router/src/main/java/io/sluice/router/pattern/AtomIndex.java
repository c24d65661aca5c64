package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The atoms patterns are filed under, at a few paths, in flat arrays: given an event, the patterns
 * filed under an atom that one of its scalars at one of those paths passes (arrays on the way
 * walked, as the matchers walk them). Immutable.
 *
 * <p>Exact keys, case-folded strings, prefixes and suffixes share one open-addressing table of
 * 32-bit hashes: the hash of (path, kind of atom, {@link String#hashCode} of the key). An event's
 * scalar is hashed the same way (prefixes and suffixes one character at a time, probed only at the
 * lengths some affix at that path has) and its slot gives the patterns filed there. Keys are not
 * compared: a hash collision only adds a candidate, which is then evaluated in full like every
 * other, so it costs a little time and never a verdict; not comparing saves a cache miss per probe
 * at 10,000 patterns. Numeric intervals are sorted by lower bound, and {@code exists: true} is a
 * plain list per path.
 */
final class AtomIndex {
  private static final int EXACT = 0;
  private static final int FOLDED = 1;
  private static final int PREFIX = 2;
  private static final int SUFFIX = 3;
  private static final int FOLDED_PREFIX = 4;
  private static final int FOLDED_SUFFIX = 5;
  private static final int RANGE = 6;
  private static final int EXISTS = 7;
  private static final int AFFIX_KINDS = 4; // PREFIX .. FOLDED_SUFFIX
  private static final int FOLDS = 1 << FOLDED | 1 << FOLDED_PREFIX | 1 << FOLDED_SUFFIX;
  private static final String[] KIND_NAMES = {
    "exact", "equals-ignore-case", "prefix", "suffix", "prefix", "suffix", "numeric", "exists"
  };

  // per path, WIDTH ints in meta: where its names are, what it has and where
  private static final int ATTRIBUTE = 0;
  private static final int KINDS = 1; // bit k set when it has atoms of kind k
  private static final int NAMES_FROM = 2;
  private static final int NAMES_TO = 3;
  private static final int LENGTHS = 4; // + kind - PREFIX: offset in meta of [count, lengths...]
  private static final int RANGES_FROM = LENGTHS + AFFIX_KINDS; // in bounds / 2
  private static final int RANGES_TO = RANGES_FROM + 1;
  private static final int PRESENT = RANGES_TO + 1; // offset in postings, or 0
  private static final int WIDTH = PRESENT + 1;
  private static final int COUNTS = 1 + KIND_NAMES.length;

  // Flat, so that a look-up touches few cache lines: a bucket's index is read once per event
  // of its type, and at 10,000 patterns it is rarely still in the cache.
  private final int paths;
  private final int[] meta; // WIDTH ints per path, then the affix length lists
  private final String[] names; // the field names of every path, one after the other
  private final long[] slots; // (hash << 32) | (offset in postings, or ~pattern); 0: empty
  private final int mask;
  private final int[] postings; // at an offset: a count, then that many pattern positions
  private final double[] bounds; // per path, its intervals' lower and upper, by lower bound
  private final int[] rangePatterns; // the pattern of each interval
  private final int[] counts; // COUNTS per path, for layout: its patterns, its atoms by kind

  /**
   * @param paths the paths to index, in the order they are read
   * @param filed per pattern position, the atoms it is filed under (each at one of the paths), or
   *     null
   */
  AtomIndex(List<List<String>> paths, List<List<IndexAtom>> filed) {
    int n = paths.size();
    this.paths = n;
    Map<List<String>, Integer> ids = new HashMap<>();
    PathAtoms[] at = new PathAtoms[n];
    for (int p = 0; p < n; p++) {
      ids.put(paths.get(p), p);
      at[p] = new PathAtoms();
    }
    Map<Integer, IntList> byHash = new LinkedHashMap<>();
    for (int i = 0; i < filed.size(); i++) {
      if (filed.get(i) == null) {
        continue;
      }
      for (IndexAtom atom : filed.get(i)) {
        int p = ids.get(atom.path());
        int kind = kind(atom);
        at[p].count(kind, i);
        if (atom instanceof IndexAtom.Exact a) {
          file(byHash, mix(p, kind, JsonValues.keyHash(a.key())), i);
        } else if (atom instanceof IndexAtom.Folded a) {
          file(byHash, mix(p, kind, a.folded().hashCode()), i);
        } else if (atom instanceof IndexAtom.Affix a) {
          file(byHash, mix(p, kind, a.text().hashCode()), i);
          at[p].lengths[kind - PREFIX].add(a.text().length());
        } else if (atom instanceof IndexAtom.Range a) {
          at[p].ranges.add(new Interval(a.lower(), a.upper(), i));
        } else {
          at[p].exists.add(i);
        }
      }
    }

    // the hash table, and the postings (the exists lists go there too)
    int capacity = 2;
    while (capacity < byHash.size() * 2) {
      capacity <<= 1;
    }
    this.mask = capacity - 1;
    this.slots = new long[capacity];
    IntList post = new IntList(16);
    post.add(0); // offset 0 stays unused: 0 means "none"
    for (Map.Entry<Integer, IntList> e : byHash.entrySet()) {
      int hash = e.getKey();
      int slot = hash & mask;
      while (slots[slot] != 0) {
        slot = (slot + 1) & mask;
      }
      IntList hits = e.getValue();
      int value = hits.size == 1 ? ~hits.values[0] : append(post, hits);
      slots[slot] = (long) hash << 32 | (value & 0xFFFFFFFFL);
    }
    int[] present = new int[n];
    for (int p = 0; p < n; p++) {
      present[p] = at[p].exists.size == 0 ? 0 : append(post, at[p].exists);
    }
    this.postings = post.toArray();

    // per path: its names, its affix lengths and its intervals
    IntList m = new IntList(n * WIDTH + 8);
    List<String> allNames = new ArrayList<>();
    List<Interval> allRanges = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      m.add(EventAttributes.of(paths.get(p).get(0)));
      m.add(at[p].kinds);
      m.add(allNames.size());
      allNames.addAll(paths.get(p));
      m.add(allNames.size());
      for (int k = 0; k < AFFIX_KINDS; k++) {
        m.add(0); // filled below
      }
      m.add(allRanges.size());
      at[p].ranges.sort(Comparator.comparingDouble(Interval::lower));
      allRanges.addAll(at[p].ranges);
      m.add(allRanges.size());
      m.add(present[p]);
    }
    for (int p = 0; p < n; p++) {
      for (int k = 0; k < AFFIX_KINDS; k++) {
        IntList l = at[p].lengths[k];
        if (l.size > 0) {
          l.sortDistinct();
          m.values[p * WIDTH + LENGTHS + k] = m.size;
          m.add(l.size);
          m.addRange(l.values, 0, l.size);
        }
      }
    }
    this.meta = m.toArray();
    this.names = allNames.toArray(String[]::new);
    this.bounds = new double[allRanges.size() * 2];
    this.rangePatterns = new int[allRanges.size()];
    for (int r = 0; r < allRanges.size(); r++) {
      bounds[2 * r] = allRanges.get(r).lower();
      bounds[2 * r + 1] = allRanges.get(r).upper();
      rangePatterns[r] = allRanges.get(r).pattern();
    }
    this.counts = new int[n * COUNTS];
    for (int p = 0; p < n; p++) {
      counts[p * COUNTS] = at[p].patterns;
      System.arraycopy(at[p].atoms, 0, counts, p * COUNTS + 1, KIND_NAMES.length);
    }
  }

  /** What is filed at one path, while building. */
  private static final class PathAtoms {
    final IntList[] lengths = {new IntList(2), new IntList(2), new IntList(2), new IntList(2)};
    final List<Interval> ranges = new ArrayList<>();
    final IntList exists = new IntList(2);
    final int[] atoms = new int[KIND_NAMES.length];
    int kinds;
    int patterns;
    int last = -1;

    void count(int kind, int pattern) {
      kinds |= 1 << kind;
      atoms[kind]++;
      if (pattern != last) { // patterns come in order
        patterns++;
        last = pattern;
      }
    }
  }

  /** A pattern's numeric interval (bounds inclusive, infinite when open). */
  private record Interval(double lower, double upper, int pattern) {}

  private static int append(IntList postings, IntList hits) {
    int offset = postings.size;
    postings.add(hits.size);
    postings.addRange(hits.values, 0, hits.size);
    return offset;
  }

  private static int kind(IndexAtom atom) {
    if (atom instanceof IndexAtom.Exact) {
      return EXACT;
    }
    if (atom instanceof IndexAtom.Folded) {
      return FOLDED;
    }
    if (atom instanceof IndexAtom.Affix a) {
      return a.suffix()
          ? (a.folded() ? FOLDED_SUFFIX : SUFFIX)
          : (a.folded() ? FOLDED_PREFIX : PREFIX);
    }
    return atom instanceof IndexAtom.Range ? RANGE : EXISTS;
  }

  private static void file(Map<Integer, IntList> byHash, int hash, int pattern) {
    IntList hits = byHash.computeIfAbsent(hash, h -> new IntList(2));
    if (hits.size == 0 || hits.values[hits.size - 1] != pattern) {
      hits.add(pattern);
    }
  }

  /** The hash of an atom: a 32-bit mix of its path, its kind and its key's hash. */
  private static int mix(int path, int kind, int keyHash) {
    int x = keyHash ^ (path << 3 | kind) * 0x9E3779B9;
    x ^= x >>> 16;
    x *= 0x85EBCA6B;
    x ^= x >>> 13;
    x *= 0xC2B2AE35;
    return x ^ (x >>> 16);
  }

  /** Adds the patterns filed under an atom one of the event's scalars passes (maybe twice). */
  void collect(CloudEvent event, IntList out) {
    for (int p = 0, at = 0; p < paths; p++, at += WIDTH) {
      int from = meta[at + NAMES_FROM];
      Object value = EventAttributes.get(event, meta[at + ATTRIBUTE], names[from]);
      if (walk(at, value, from + 1, out)) {
        int present = meta[at + PRESENT];
        if (present != 0) {
          out.addRange(postings, present + 1, postings[present]);
        }
      }
    }
  }

  /**
   * Every scalar reachable at the path whose meta starts at {@code at}, looked up; true if there is
   * any. {@code name}: the index in names of the next field to read.
   */
  private boolean walk(int at, Object value, int name, IntList out) {
    for (Map<?, ?> map; (map = JsonValues.object(value)) != null; ) { // usual: no recursion
      if (name == meta[at + NAMES_TO]) {
        return false;
      }
      value = JsonValues.field(map, names[name++]);
    }
    List<?> list = JsonValues.array(value);
    if (list != null) {
      boolean any = false;
      for (Object element : list) {
        any |= walk(at, element, name, out);
      }
      return any;
    }
    if (name < meta[at + NAMES_TO] || value == JsonValues.MISSING) {
      return false;
    }
    scalar(at, value, out);
    return true;
  }

  private void scalar(int at, Object value, IntList out) {
    int k = meta[at + KINDS];
    int p = at / WIDTH;
    if ((k & 1 << EXACT) != 0) {
      probe(mix(p, EXACT, JsonValues.keyHash(value)), out);
    }
    if (value instanceof String s) {
      if ((k & 1 << PREFIX) != 0) {
        prefixes(at, p, PREFIX, s, false, out);
      }
      if ((k & 1 << SUFFIX) != 0) {
        suffixes(at, p, SUFFIX, s, false, out);
      }
      if ((k & FOLDS) != 0) {
        // JsonValues.fold, the folding the matchers use, is ASCII lower case on ASCII text:
        // then its hashes are computed from the characters without building the folded string
        boolean ascii = CompactPatterns.Hashes.isAscii(s);
        String f = ascii ? s : JsonValues.fold(s);
        if ((k & 1 << FOLDED) != 0) {
          probe(
              mix(
                  p,
                  FOLDED,
                  ascii ? CompactPatterns.Hashes.hash(s, 0, s.length(), true) : f.hashCode()),
              out);
        }
        if ((k & 1 << FOLDED_PREFIX) != 0) {
          prefixes(at, p, FOLDED_PREFIX, f, ascii, out);
        }
        if ((k & 1 << FOLDED_SUFFIX) != 0) {
          suffixes(at, p, FOLDED_SUFFIX, f, ascii, out);
        }
      }
    } else if (value instanceof Number n && (k & 1 << RANGE) != 0) {
      intervals(at, n.doubleValue(), out);
    }
  }

  /**
   * Probes the hash of each prefix of {@code s} (its ASCII lower case when {@code lower}) whose
   * length some prefix at the path has.
   */
  private void prefixes(int at, int p, int kind, String s, boolean lower, IntList out) {
    int l = meta[at + LENGTHS + kind - PREFIX];
    int end = l + 1 + meta[l];
    int i = l + 1;
    if (meta[i] == 0) {
      probe(mix(p, kind, 0), out);
      i++;
    }
    int h = 0;
    for (int length = 1; i < end && meta[i] <= s.length(); length++) {
      char c = s.charAt(length - 1);
      h =
          31 * h
              + (lower
                  ? CompactPatterns.Hashes.lowerCase(c)
                  : c); // String.hashCode of the prefix so far
      if (length == meta[i]) {
        probe(mix(p, kind, h), out);
        i++;
      }
    }
  }

  /** {@link #prefixes} from the end: String.hashCode of a suffix is the sum of c * 31^k. */
  private void suffixes(int at, int p, int kind, String s, boolean lower, IntList out) {
    int l = meta[at + LENGTHS + kind - PREFIX];
    int end = l + 1 + meta[l];
    int i = l + 1;
    int n = s.length();
    if (meta[i] == 0) {
      probe(mix(p, kind, 0), out);
      i++;
    }
    int h = 0;
    int power = 1;
    for (int length = 1; i < end && meta[i] <= n; length++) {
      char c = s.charAt(n - length);
      h += (lower ? CompactPatterns.Hashes.lowerCase(c) : c) * power;
      power *= 31;
      if (length == meta[i]) {
        probe(mix(p, kind, h), out);
        i++;
      }
    }
  }

  private void probe(int hash, IntList out) {
    for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
      long s = slots[slot];
      if (s == 0) {
        return;
      }
      if ((int) (s >>> 32) == hash) {
        int value = (int) s;
        if (value < 0) {
          out.add(~value); // one pattern, stored in the slot
        } else {
          out.addRange(postings, value + 1, postings[value]);
        }
        return;
      }
    }
  }

  /**
   * The intervals of the path holding {@code d}: those starting at or below it (a binary search)
   * that end at or above it. NaN (no JSON number is, but a {@code Double} in an event built in code
   * may be) gets them all, so that the full evaluation decides.
   */
  private void intervals(int at, double d, IntList out) {
    int from = meta[at + RANGES_FROM];
    int to = meta[at + RANGES_TO];
    if (Double.isNaN(d)) {
      out.addRange(rangePatterns, from, to - from);
      return;
    }
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (bounds[2 * mid] <= d) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (int r = from; r < lo; r++) {
      if (bounds[2 * r + 1] >= d) {
        out.add(rangePatterns[r]);
      }
    }
  }

  /** Per path: {@code /data/tenant: 3 (exact 3)}, the patterns filed there and atoms by kind. */
  List<String> describe() {
    List<String> out = new ArrayList<>();
    for (int p = 0; p < paths; p++) {
      StringJoiner kinds = new StringJoiner(" ");
      Map<String, Integer> byName = new LinkedHashMap<>();
      for (int k = 0; k < KIND_NAMES.length; k++) {
        if (counts[p * COUNTS + 1 + k] > 0) {
          byName.merge(KIND_NAMES[k], counts[p * COUNTS + 1 + k], Integer::sum);
        }
      }
      byName.forEach((kind, count) -> kinds.add(kind + " " + count));
      int at = p * WIDTH;
      List<String> path = List.of(names).subList(meta[at + NAMES_FROM], meta[at + NAMES_TO]);
      out.add("/" + String.join("/", path) + ": " + counts[p * COUNTS] + " (" + kinds + ")");
    }
    return out;
  }
}
