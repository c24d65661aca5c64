package io.sluice.core.expr;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON value with embedded expressions, compiled once (SPEC §2): a string that is exactly {@code
 * ${expr}} becomes the expression's typed value; {@code ${...}} inside longer text is interpolated
 * as text; objects and arrays are templated member by member; everything else is a literal.
 * Constant subtrees are kept as literals, so evaluating them costs nothing.
 */
public sealed interface Template {
  /** Evaluates to a normalized JSON value; throws {@link ExpressionException}. */
  Object evaluate(Map<String, Object> variables);

  default boolean isConstant() {
    return this instanceof Literal;
  }

  /** A constant value. */
  record Literal(Object value) implements Template {
    @Override
    public Object evaluate(Map<String, Object> variables) {
      return value;
    }
  }

  /** {@code "${expr}"}: the expression's value, whatever its type. */
  record Single(Expression expression) implements Template {
    @Override
    public Object evaluate(Map<String, Object> variables) {
      return expression.evaluate(variables);
    }
  }

  /** Text with expressions inside: each part is a literal string or an expression. */
  record Interpolated(List<Object> parts) implements Template {
    @Override
    public Object evaluate(Map<String, Object> variables) {
      StringBuilder out = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Expression e) {
          out.append(asText(e.evaluate(variables)));
        } else {
          out.append((String) part);
        }
      }
      return out.toString();
    }
  }

  /** An object whose members are templates. */
  record ObjectTemplate(Map<String, Template> members) implements Template {
    @Override
    public Object evaluate(Map<String, Object> variables) {
      Map<String, Object> out = new LinkedHashMap<>(members.size() * 2);
      members.forEach((k, v) -> out.put(k, v.evaluate(variables)));
      return out;
    }
  }

  /** An array whose items are templates. */
  record ArrayTemplate(List<Template> items) implements Template {
    @Override
    public Object evaluate(Map<String, Object> variables) {
      List<Object> out = new ArrayList<>(items.size());
      items.forEach(t -> out.add(t.evaluate(variables)));
      return out;
    }
  }

  /** Text form of an interpolated value: strings as they are, null as nothing, else JSON. */
  static String asText(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof String s) {
      return s;
    }
    return Json.write(value);
  }

  /** Compiles a value; throws {@link ExpressionException} on the first bad expression. */
  static Template compile(Object value, CelExpressions env) {
    List<Problem> problems = new ArrayList<>();
    Template template = compile(value, env, "", problems);
    if (!problems.isEmpty()) {
      throw new ExpressionException(String.valueOf(value), problems.get(0).message());
    }
    return template;
  }

  /**
   * Compiles a value, adding one problem per bad expression (with its JSON Pointer) instead of
   * stopping at the first; the result is only meaningful when no problem was added.
   */
  static Template compile(
      Object value, CelExpressions env, String pointer, List<Problem> problems) {
    if (value instanceof String text) {
      return compileText(text, env, pointer, problems);
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Template> members = new LinkedHashMap<>(map.size() * 2);
      boolean constant = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        Template t = compile(e.getValue(), env, Problem.child(pointer, key), problems);
        constant &= t.isConstant();
        members.put(key, t);
      }
      return constant ? new Literal(Json.normalize(map)) : new ObjectTemplate(members);
    }
    if (value instanceof List<?> list) {
      List<Template> items = new ArrayList<>(list.size());
      boolean constant = true;
      for (int i = 0; i < list.size(); i++) {
        Template t = compile(list.get(i), env, Problem.child(pointer, i), problems);
        constant &= t.isConstant();
        items.add(t);
      }
      return constant ? new Literal(Json.normalize(list)) : new ArrayTemplate(items);
    }
    return new Literal(Json.normalize(value));
  }

  private static Template compileText(
      String text, CelExpressions env, String pointer, List<Problem> problems) {
    if (!text.contains("${")) {
      return new Literal(text);
    }
    List<Object> parts = new ArrayList<>();
    int i = 0;
    while (i < text.length()) {
      int start = text.indexOf("${", i);
      if (start < 0) {
        parts.add(text.substring(i));
        break;
      }
      if (start > i) {
        parts.add(text.substring(i, start));
      }
      int end = closingBrace(text, start + 2);
      if (end < 0) {
        problems.add(
            Problem.at(
                pointer,
                "expected '}' to close the expression opened at "
                    + start
                    + ", but the text ended"));
        return new Literal(text);
      }
      String source = text.substring(start + 2, end).trim();
      try {
        parts.add(env.compile(source));
      } catch (ExpressionException e) {
        problems.add(Problem.at(pointer, e.getMessage()));
        return new Literal(text);
      }
      i = end + 1;
    }
    if (parts.size() == 1 && parts.get(0) instanceof Expression e) {
      return new Single(e);
    }
    return new Interpolated(List.copyOf(parts));
  }

  /**
   * Index of the brace closing an expression that starts at from, skipping nested braces and
   * strings.
   */
  private static int closingBrace(String text, int from) {
    int depth = 0;
    char quote = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '{') {
        depth++;
      } else if (c == '}') {
        if (depth == 0) {
          return i;
        }
        depth--;
      }
    }
    return -1;
  }
}
