package io.sluice.router.pattern;

import io.sluice.core.event.CloudEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Patterns compiled into one {@code int} array, for evaluation out of the cache. The matcher tree
 * of a pattern ({@link ObjectMatcher}, {@link LeafMatcher}, the {@link ValueTest}s) is some twenty
 * small objects spread over the heap; at 10,000 triggers each evaluated candidate then costs a
 * cache miss per object. Here a pattern is a run of ints in the array of its bucket: its fields in
 * evaluation order, and per leaf the {@link JsonValues#keyHash} of each exact value, the {@link
 * String#hashCode} of each prefix, suffix and case-folded string, the bounds of each numeric range,
 * and the characters of those strings (up to 64). The event side of each comparison is hashed (its
 * strings cache their hash, and the event is in the cache after parsing), so a comparison that
 * fails reads only the array, and one whose hash agrees is confirmed against the inline characters.
 * Longer strings, non-ASCII strings to fold, non-string anything-but values and every operator
 * without an inline form (wildcard, anything-but of prefixes and the like) are decided by the
 * matcher objects kept in {@code refs}, the one definition of each operator; the tree ({@link
 * ObjectMatcher#testMap}) remains the reference, and the tests compare the two.
 *
 * <p>Layout: a node is {@code [op, length, ...]} ({@code length} counts the whole node). {@code
 * OBJECT}: field count, {@code $or} count, then per field its name (an index in refs) and root
 * attribute ({@link EventAttributes}) followed by its node, then the alternatives, each an {@code
 * OBJECT}. {@code LEAF}: flags (exists true / false), exact count, test count, then per exact value
 * its hash, its key (in refs) and its inline text, then the tests, each {@code [kind, length,
 * ...]}. Inline text: its length (-1: none), then its characters, two per int.
 *
 * <p>Immutable and thread-safe.
 */
final class CompactPatterns {
  private static final int OBJECT = 1;
  private static final int LEAF = 2;

  static final int PREFIX = 1;
  static final int SUFFIX = 2;
  static final int FOLDED = 3;
  static final int NUMERIC = 4;
  static final int ANYTHING_BUT = 5;
  static final int OTHER = 6;

  private static final int EXISTS_TRUE = 1;
  private static final int EXISTS_FALSE = 2;
  private static final int MATCH_ALL = -1;
  private static final int INLINE_LIMIT = 64; // longer strings are compared by their objects

  private final int[] code; // code[i]: where pattern i starts (MATCH_ALL: no pattern); then nodes
  private final Object[] refs;

  /**
   * @param roots the patterns, by position; a null root matches every event
   */
  CompactPatterns(List<ObjectMatcher> roots) {
    Writer w = new Writer();
    for (int i = 0; i < roots.size(); i++) {
      w.code.add(MATCH_ALL);
    }
    for (int i = 0; i < roots.size(); i++) {
      ObjectMatcher root = roots.get(i);
      if (root != null) {
        w.code.values[i] = w.code.size;
        root.encode(w);
      }
    }
    this.code = w.code.toArray();
    this.refs = w.refs.toArray();
  }

  /** Whether pattern {@code i} matches the event (as {@link ObjectMatcher#testMap} would). */
  boolean test(int i, CloudEvent event) {
    int at = code[i];
    return at == MATCH_ALL || root(at, event);
  }

  private boolean root(int at, CloudEvent event) {
    int fields = code[at + 2];
    int p = at + 4;
    for (int f = 0; f < fields; f++) {
      int attribute = code[p + 1];
      String name = attribute == EventAttributes.EXTENSION ? (String) refs[code[p]] : null;
      if (!node(p + 2, EventAttributes.get(event, attribute, name))) {
        return false;
      }
      p += 2 + code[p + 3];
    }
    int or = code[at + 3];
    if (or == 0) {
      return true;
    }
    for (int o = 0; o < or; o++, p += code[p + 1]) {
      if (root(p, event)) { // top-level alternatives know their attributes too
        return true;
      }
    }
    return false;
  }

  private boolean node(int at, Object value) {
    return code[at] == LEAF ? leaf(at, value) : object(at, value);
  }

  /** {@link ObjectMatcher#test}. */
  private boolean object(int at, Object value) {
    Map<?, ?> map = JsonValues.object(value);
    if (map != null) {
      return fields(at, map);
    }
    List<?> list = JsonValues.array(value);
    if (list != null && !list.isEmpty()) {
      for (Object element : list) {
        if (object(at, element)) {
          return true;
        }
      }
      return false;
    }
    return fields(at, Map.of());
  }

  /** {@link ObjectMatcher#testMap}. */
  private boolean fields(int at, Map<?, ?> map) {
    int fields = code[at + 2];
    int p = at + 4;
    for (int f = 0; f < fields; f++) {
      if (!node(p + 2, JsonValues.field(map, (String) refs[code[p]]))) {
        return false;
      }
      p += 2 + code[p + 3];
    }
    int or = code[at + 3];
    if (or == 0) {
      return true;
    }
    for (int o = 0; o < or; o++, p += code[p + 1]) {
      if (fields(p, map)) {
        return true;
      }
    }
    return false;
  }

  /** {@link LeafMatcher#test}. */
  private boolean leaf(int at, Object value) {
    int flags = code[at + 2];
    if (value == JsonValues.MISSING) {
      return (flags & EXISTS_FALSE) != 0;
    }
    List<?> list = JsonValues.array(value);
    if (list != null) {
      int scalars = scalars(at, list);
      if (scalars < 0) {
        return true;
      }
      return (flags & (scalars > 0 ? EXISTS_TRUE : EXISTS_FALSE)) != 0;
    }
    if (JsonValues.object(value) != null) {
      return (flags & EXISTS_FALSE) != 0;
    }
    return (flags & EXISTS_TRUE) != 0 || scalar(at, value);
  }

  /** -1 when a scalar of the (nested) array passed; otherwise the number of scalars seen. */
  private int scalars(int at, List<?> list) {
    int scalars = 0;
    for (Object element : list) {
      List<?> inner = JsonValues.array(element);
      if (inner != null) {
        int n = scalars(at, inner);
        if (n < 0) {
          return -1;
        }
        scalars += n;
      } else if (JsonValues.object(element) == null) {
        scalars++;
        if (scalar(at, element)) {
          return -1;
        }
      }
    }
    return scalars;
  }

  /** Whether one scalar passes one of the leaf's alternatives ({@code LeafMatcher.testScalar}). */
  private boolean scalar(int at, Object scalar) {
    int exact = code[at + 3];
    int tests = code[at + 4];
    int p = at + 5;
    if (exact > 0) {
      int hash = JsonValues.keyHash(scalar);
      Object key = null;
      for (int e = 0; e < exact; e++, p += 2 + textLength(p + 2)) {
        if (code[p] == hash) { // [hash, ref, text]: a string compared inline, others by the key
          if (code[p + 2] >= 0) {
            if (scalar instanceof String s && sameText(p + 2, s, 0, false, true)) {
              return true;
            }
          } else {
            if (key == null) {
              key = JsonValues.key(scalar);
            }
            if (refs[code[p + 1]].equals(key)) {
              return true;
            }
          }
        }
      }
    }
    for (int t = 0; t < tests; t++, p += code[p + 1]) {
      if (test(p, scalar)) {
        return true;
      }
    }
    return false;
  }

  private boolean test(int p, Object scalar) {
    switch (code[p]) {
      case PREFIX:
      case SUFFIX:
      case FOLDED:
        // [kind, length, folded, text length, hash, ref, text]: only a string whose (folded)
        // affix hashes as the text's can pass; the inline text then decides, or the ValueTest
        // (a text too long to inline, a string with non-ASCII characters to fold)
        if (!(scalar instanceof String s)) {
          return false;
        }
        int kind = code[p];
        boolean lower = code[p + 2] != 0; // ASCII lower case (FOLDED is written folded)
        if (!Hashes.mayPass(kind, lower, code[p + 3], code[p + 4], s)) {
          return false;
        }
        int inline = code[p + 6];
        if (inline >= 0 && (!lower || Hashes.isAscii(s))) {
          int from = kind == SUFFIX ? s.length() - inline : 0;
          return sameText(p + 6, s, from, lower, kind == FOLDED);
        }
        return ((ValueTest) refs[code[p + 5]]).test(s);
      case NUMERIC:
        // [kind, length, flags, lower (2 ints), upper (2 ints)]
        return scalar instanceof Number n
            && NumericRange.contains(
                code[p + 2], Hashes.doubleAt(code, p + 3), Hashes.doubleAt(code, p + 5), n);
      case ANYTHING_BUT:
        // [kind, length, count, (hash, text) per value, ref]: a scalar passes unless it is one
        // of the values; strings are compared inline, other values by the ValueTest
        int count = code[p + 2];
        int hash = JsonValues.keyHash(scalar);
        for (int i = 0, q = p + 3; i < count; i++, q += 1 + textLength(q + 1)) {
          if (code[q] == hash) {
            if (code[q + 1] < 0) {
              return ((ValueTest) refs[code[p + code[p + 1] - 1]]).test(scalar);
            }
            if (scalar instanceof String s && sameText(q + 1, s, 0, false, true)) {
              return false;
            }
          }
        }
        return true;
      default:
        return ((ValueTest) refs[code[p + 2]]).test(scalar);
    }
  }

  /** The ints of the inline text at {@code p}: its length, then its characters two per int. */
  private int textLength(int p) {
    int n = code[p];
    return 1 + (n <= 0 ? 0 : (n + 1) / 2);
  }

  /**
   * Whether {@code s} holds the inline text at {@code p} from {@code from} (its ASCII lower case
   * when {@code lower}), and nothing else when {@code whole}.
   */
  private boolean sameText(int p, String s, int from, boolean lower, boolean whole) {
    int n = code[p];
    if (whole && s.length() != n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      int packed = code[p + 1 + (i >> 1)];
      char expected = (char) ((i & 1) == 0 ? packed >>> 16 : packed);
      char c = s.charAt(from + i);
      if ((lower ? Hashes.lowerCase(c) : c) != expected) {
        return false;
      }
    }
    return true;
  }

  /** Appends nodes; used by the matchers' {@code encode}. */
  static final class Writer {
    final IntList code = new IntList(64);
    final List<Object> refs = new ArrayList<>();

    int ref(Object value) {
      refs.add(value);
      return refs.size() - 1;
    }

    /** Starts a node: writes {@code op} and room for its length; returns where it starts. */
    int begin(boolean leaf) {
      int at = code.size;
      code.add(leaf ? LEAF : OBJECT);
      code.add(0);
      return at;
    }

    void end(int at) {
      code.values[at + 1] = code.size - at;
    }

    /** A string inline (its length, then two characters per int), or -1 for anything else. */
    void text(Object value) {
      if (!(value instanceof String s) || s.length() > INLINE_LIMIT) {
        code.add(-1);
        return;
      }
      code.add(s.length());
      for (int i = 0; i < s.length(); i += 2) {
        int low = i + 1 < s.length() ? s.charAt(i + 1) : 0;
        code.add(s.charAt(i) << 16 | low);
      }
    }

    /** An exact value of a leaf: its key's hash, the key, and the key inline when a string. */
    void exact(Object key) {
      code.add(JsonValues.keyHash(key));
      code.add(ref(key));
      text(key);
    }

    void leafFlags(boolean existsTrue, boolean existsFalse) {
      code.add((existsTrue ? EXISTS_TRUE : 0) | (existsFalse ? EXISTS_FALSE : 0));
    }

    /** A string test that a hash of the event's string can rule out. */
    void affix(int kind, boolean folded, String text, ValueTest test) {
      int at = code.size;
      code.add(kind);
      code.add(0);
      code.add(folded ? 1 : 0);
      code.add(text.length());
      code.add(text.hashCode());
      code.add(ref(test));
      text(text);
      code.values[at + 1] = code.size - at;
    }

    void numeric(int flags, double lower, double upper) {
      int at = code.size;
      code.add(NUMERIC);
      code.add(0);
      code.add(flags);
      Hashes.addDouble(code, lower);
      Hashes.addDouble(code, upper);
      code.values[at + 1] = code.size - at;
    }

    void anythingBut(java.util.Collection<Object> keys, ValueTest test) {
      int at = code.size;
      code.add(ANYTHING_BUT);
      code.add(0);
      code.add(keys.size());
      for (Object key : keys) {
        code.add(JsonValues.keyHash(key));
        text(key);
      }
      code.add(ref(test));
      code.values[at + 1] = code.size - at;
    }

    void other(ValueTest test) {
      code.add(OTHER);
      code.add(3);
      code.add(ref(test));
    }
  }

  /** The hashing both sides of a comparison share, and doubles stored as two ints. */
  static final class Hashes {
    private Hashes() {}

    /**
     * Whether {@code s} may pass a test of {@code kind} whose (ASCII lower case, when {@code
     * lower}) text has this length and {@link String#hashCode}: false only when it certainly does
     * not. Folding an ASCII string is ASCII lower case ({@link JsonValues#fold}), which keeps its
     * length; a string with other characters is left to the test itself.
     */
    static boolean mayPass(int kind, boolean lower, int length, int hash, String s) {
      if (lower && !isAscii(s)) {
        return true;
      }
      int n = s.length();
      if (kind == FOLDED ? n != length : n < length) {
        return false;
      }
      int from = kind == SUFFIX ? n - length : 0;
      return hash(s, from, from + length, lower) == hash;
    }

    /**
     * {@link String#hashCode} of {@code s.substring(from, to)}, of its ASCII lower case when {@code
     * lower}, without building either.
     */
    static int hash(String s, int from, int to, boolean lower) {
      int h = 0;
      for (int i = from; i < to; i++) {
        char c = s.charAt(i);
        h = 31 * h + (lower ? lowerCase(c) : c);
      }
      return h;
    }

    static boolean isAscii(String s) {
      for (int i = 0; i < s.length(); i++) {
        if (s.charAt(i) >= 0x80) {
          return false;
        }
      }
      return true;
    }

    static char lowerCase(char ascii) {
      return ascii >= 'A' && ascii <= 'Z' ? (char) (ascii + ('a' - 'A')) : ascii;
    }

    static void addDouble(IntList code, double d) {
      long bits = Double.doubleToRawLongBits(d);
      code.add((int) (bits >>> 32));
      code.add((int) bits);
    }

    static double doubleAt(int[] code, int at) {
      return Double.longBitsToDouble((long) code[at] << 32 | (code[at + 1] & 0xFFFFFFFFL));
    }
  }
}
