package io.sluice.core.expr;

import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A common subset of CEL evaluated straight on JSON values, in front of the CEL interpreter. CEL's
 * interpreter spends 250 ns and ~400 bytes on any evaluation, even of {@code true}, and ~1 µs on a
 * guard such as {@code event.data.total > 500.0} (measured: docs/benchmarks.md). A trigger guard or
 * a step condition is usually a few field reads, comparisons, {@code in}, {@code has()} and boolean
 * logic: this evaluates those as a tree of small nodes.
 *
 * <p>It never decides anything CEL would decide differently: every case whose answer it is not sure
 * of (an error in CEL: a missing key, a type without an overload, an overflow, a division by zero;
 * or values whose CEL semantics it does not copy: NaN, lists or maps compared, a non-JSON value)
 * returns {@link #UNDECIDED}, and the caller evaluates the whole expression with CEL, which then
 * gives the result or the error. An expression with any construct outside the subset (macros other
 * than {@code has()}, timestamps, bytes, unsigned, functions of the extensions) is not compiled
 * here at all. {@code DirectCelTest} compares both on generated expressions and values.
 *
 * <p>Values: JSON as Sluice holds it ({@code Map}, {@code List}, {@code String}, {@code Long},
 * {@code Double}, {@code Boolean}, {@code null}); an {@code Integer} reads as a {@code Long}, as
 * CEL sees it (see {@code CelExpressions.toCel}); a missing variable reads as {@code null}.
 */
final class DirectCel {
  /** The answer when CEL must decide. */
  static final Object UNDECIDED =
      new Object() {
        @Override
        public String toString() {
          return "<undecided>";
        }
      };

  private static final double TWO_POW_53 = 0x1p53;

  /** A compiled node: its value for these variables, or {@link #UNDECIDED}. */
  interface Node {
    Object eval(Map<String, Object> vars);
  }

  private DirectCel() {}

  /**
   * The expression as nodes, or null when it has a construct outside the subset. The top node gives
   * only scalars: a list or map result is left to CEL (which converts it).
   */
  static Node compile(CelExpr expr, Set<String> variables) {
    Node node = node(expr, variables);
    if (node == null) {
      return null;
    }
    return vars -> {
      Object v = node.eval(vars);
      return v instanceof Map<?, ?> || v instanceof List<?> ? UNDECIDED : v;
    };
  }

  private static Node node(CelExpr e, Set<String> variables) {
    switch (e.getKind()) {
      case CONSTANT:
        return constant(e.constant());
      case IDENT:
        String name = e.ident().name();
        if (!variables.contains(name)) {
          return null;
        }
        return vars -> json(vars.get(name));
      case SELECT:
        return select(e.select(), variables);
      case LIST:
        if (!e.list().optionalIndices().isEmpty()) {
          return null;
        }
        List<Node> elements = new ArrayList<>();
        for (CelExpr element : e.list().elements()) {
          Node n = node(element, variables);
          if (n == null) {
            return null;
          }
          elements.add(n);
        }
        return vars -> {
          List<Object> out = new ArrayList<>(elements.size());
          for (Node n : elements) {
            Object v = n.eval(vars);
            if (v == UNDECIDED) {
              return UNDECIDED;
            }
            out.add(v);
          }
          return out;
        };
      case CALL:
        return call(e.call(), variables);
      default:
        return null;
    }
  }

  private static Node constant(CelConstant c) {
    Object value;
    switch (c.getKind()) {
      case NULL_VALUE:
        value = null;
        break;
      case BOOLEAN_VALUE:
        value = c.booleanValue();
        break;
      case INT64_VALUE:
        value = c.int64Value();
        break;
      case DOUBLE_VALUE:
        value = c.doubleValue();
        break;
      case STRING_VALUE:
        value = c.stringValue();
        break;
      default:
        return null;
    }
    Object constant = value;
    return vars -> constant;
  }

  private static Node select(CelExpr.CelSelect s, Set<String> variables) {
    Node operand = node(s.operand(), variables);
    if (operand == null) {
      return null;
    }
    String field = s.field();
    if (s.testOnly()) { // has(x.f)
      return vars -> {
        Object o = operand.eval(vars);
        return o instanceof Map<?, ?> m ? (Object) m.containsKey(field) : UNDECIDED;
      };
    }
    return vars -> {
      Object o = operand.eval(vars);
      if (!(o instanceof Map<?, ?> m)) {
        return UNDECIDED;
      }
      Object v = m.get(field);
      if (v == null && !m.containsKey(field)) {
        return UNDECIDED; // CEL: "key is not present in map"
      }
      return json(v);
    };
  }

  private static Node call(CelExpr.CelCall call, Set<String> variables) {
    List<Node> args = new ArrayList<>();
    if (call.target().isPresent()) {
      Node target = node(call.target().get(), variables);
      if (target == null) {
        return null;
      }
      args.add(target);
    }
    for (CelExpr arg : call.args()) {
      Node n = node(arg, variables);
      if (n == null) {
        return null;
      }
      args.add(n);
    }
    String f = call.function();
    if (args.size() == 1) {
      Node a = args.get(0);
      return switch (f) {
        case "!_" -> vars -> a.eval(vars) instanceof Boolean b ? (Object) !b : UNDECIDED;
        case "-_" -> vars -> negate(a.eval(vars));
        case "size" -> vars -> size(a.eval(vars));
        default -> null;
      };
    }
    if (args.size() == 3 && f.equals("_?_:_")) {
      Node c = args.get(0);
      Node yes = args.get(1);
      Node no = args.get(2);
      return vars -> {
        Object v = c.eval(vars);
        if (!(v instanceof Boolean b)) {
          return UNDECIDED;
        }
        return b ? yes.eval(vars) : no.eval(vars);
      };
    }
    if (args.size() != 2) {
      return null;
    }
    Node a = args.get(0);
    Node b = args.get(1);
    return switch (f) {
      case "_&&_" -> vars -> logic(a, b, vars, false);
      case "_||_" -> vars -> logic(a, b, vars, true);
      case "_==_" -> vars -> equal(a.eval(vars), b.eval(vars));
      case "_!=_" -> vars -> not(equal(a.eval(vars), b.eval(vars)));
      case "_<_" -> vars -> order(a.eval(vars), b.eval(vars), Order.LT);
      case "_<=_" -> vars -> order(a.eval(vars), b.eval(vars), Order.LE);
      case "_>_" -> vars -> order(a.eval(vars), b.eval(vars), Order.GT);
      case "_>=_" -> vars -> order(a.eval(vars), b.eval(vars), Order.GE);
      case "@in" -> vars -> in(a.eval(vars), b.eval(vars));
      case "_[_]" -> vars -> index(a.eval(vars), b.eval(vars));
      case "_+_", "_-_", "_*_", "_/_", "_%_" -> vars -> arithmetic(f, a.eval(vars), b.eval(vars));
      case "startsWith", "endsWith", "contains" -> vars -> strings(f, a.eval(vars), b.eval(vars));
      default -> null;
    };
  }

  /** A JSON value as CEL reads it, or UNDECIDED for anything else. */
  private static Object json(Object v) {
    if (v == null
        || v instanceof String
        || v instanceof Long
        || v instanceof Boolean
        || v instanceof Double
        || v instanceof Map<?, ?>
        || v instanceof List<?>) {
      return v;
    }
    if (v instanceof Integer i) {
      return i.longValue();
    }
    return UNDECIDED;
  }

  /** {@code &&} ({@code or} false) and {@code ||}: the left side decides alone when it can. */
  private static Object logic(Node a, Node b, Map<String, Object> vars, boolean or) {
    Object left = a.eval(vars);
    if (!(left instanceof Boolean l)) {
      return UNDECIDED; // CEL may still decide from the right side, or fail: its call
    }
    if (l == or) {
      return l;
    }
    Object right = b.eval(vars);
    return right instanceof Boolean ? right : UNDECIDED;
  }

  private static Object not(Object v) {
    return v instanceof Boolean b ? (Object) !b : v;
  }

  /** CEL's heterogeneous equality of scalars; lists and maps are left to CEL. */
  private static Object equal(Object x, Object y) {
    if (x == UNDECIDED || y == UNDECIDED) {
      return UNDECIDED;
    }
    if (x instanceof Map<?, ?>
        || x instanceof List<?>
        || y instanceof Map<?, ?>
        || y instanceof List<?>) {
      return UNDECIDED;
    }
    if (x instanceof Number || y instanceof Number) {
      if (!(x instanceof Number n) || !(y instanceof Number m)) {
        return false; // a number and a string, a boolean or null
      }
      if (isNaN(n) || isNaN(m)) {
        return UNDECIDED;
      }
      if (n instanceof Long i && m instanceof Long j) {
        return i.longValue() == j.longValue();
      }
      return n.doubleValue() == m.doubleValue(); // as CEL: the int converted to double
    }
    return x == null ? y == null : x.equals(y);
  }

  private static boolean isNaN(Number n) {
    return n instanceof Double d && d.isNaN();
  }

  private enum Order {
    LT,
    LE,
    GT,
    GE
  }

  private static Object order(Object x, Object y, Order op) {
    int c;
    if (x instanceof Long i && y instanceof Long j) {
      c = Long.compare(i, j);
    } else if (x instanceof Number n && y instanceof Number m) {
      if (isNaN(n) || isNaN(m) || !exact(n) || !exact(m)) {
        return UNDECIDED;
      }
      double d = n.doubleValue();
      double e = m.doubleValue();
      c = d < e ? -1 : d > e ? 1 : 0;
    } else if (x instanceof String s && y instanceof String t && bmp(s) && bmp(t)) {
      c = s.compareTo(t); // without surrogates, UTF-16 order is code point order
    } else {
      return UNDECIDED;
    }
    return switch (op) {
      case LT -> c < 0;
      case LE -> c <= 0;
      case GT -> c > 0;
      case GE -> c >= 0;
    };
  }

  /** A number whose double value is exact (a long beyond 2^53 may not be). */
  private static boolean exact(Number n) {
    return n instanceof Double || Math.abs(n.longValue()) <= TWO_POW_53;
  }

  private static boolean bmp(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static Object in(Object element, Object container) {
    if (element == UNDECIDED || container == UNDECIDED) {
      return UNDECIDED;
    }
    if (container instanceof List<?> list) {
      for (Object item : list) {
        Object eq = equal(element, json(item));
        if (eq != Boolean.FALSE) {
          return eq; // true, or undecided
        }
      }
      return false;
    }
    if (container instanceof Map<?, ?> map && element instanceof String key) {
      return map.containsKey(key);
    }
    return UNDECIDED;
  }

  private static Object index(Object container, Object key) {
    if (container instanceof List<?> list && key instanceof Long i) {
      return i >= 0 && i < list.size() ? json(list.get(i.intValue())) : UNDECIDED;
    }
    if (container instanceof Map<?, ?> map && key instanceof String k) {
      Object v = map.get(k);
      return v == null && !map.containsKey(k) ? UNDECIDED : json(v);
    }
    return UNDECIDED;
  }

  private static Object arithmetic(String f, Object x, Object y) {
    try {
      if (x instanceof Long a && y instanceof Long b) {
        long i = a;
        long j = b;
        return switch (f) {
          case "_+_" -> Math.addExact(i, j);
          case "_-_" -> Math.subtractExact(i, j);
          case "_*_" -> Math.multiplyExact(i, j);
          case "_/_" -> j == 0 || (i == Long.MIN_VALUE && j == -1) ? UNDECIDED : (Object) (i / j);
          default -> j == 0 ? UNDECIDED : (Object) (i % j);
        };
      }
    } catch (ArithmeticException overflow) {
      return UNDECIDED;
    }
    if (x instanceof Double a && y instanceof Double b) {
      return switch (f) {
        case "_+_" -> a + b;
        case "_-_" -> a - b;
        case "_*_" -> a * b;
        case "_/_" -> a / b;
        default -> UNDECIDED; // CEL has no % of doubles
      };
    }
    if (f.equals("_+_") && x instanceof String s && y instanceof String t) {
      return s + t;
    }
    return UNDECIDED;
  }

  private static Object negate(Object v) {
    if (v instanceof Long i) {
      return i == Long.MIN_VALUE ? UNDECIDED : (Object) (-i);
    }
    return v instanceof Double d ? (Object) (-d) : UNDECIDED;
  }

  private static Object size(Object v) {
    if (v instanceof String s) {
      return (long) s.codePointCount(0, s.length());
    }
    if (v instanceof List<?> l) {
      return (long) l.size();
    }
    return v instanceof Map<?, ?> m ? (Object) (long) m.size() : UNDECIDED;
  }

  private static Object strings(String f, Object x, Object y) {
    if (!(x instanceof String s) || !(y instanceof String t)) {
      return UNDECIDED;
    }
    return switch (f) {
      case "startsWith" -> s.startsWith(t);
      case "endsWith" -> s.endsWith(t);
      default -> s.contains(t);
    };
  }
}
