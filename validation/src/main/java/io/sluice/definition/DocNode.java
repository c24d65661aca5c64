package io.sluice.definition;

import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A value of the definition document together with its JSON Pointer. Reading never throws on an
 * unexpected type: a member of the wrong type reads as absent, because the structural validation
 * has already reported it and the semantic checks must still run on the rest.
 *
 * @param present whether the member exists in the document (it may exist and be JSON null)
 */
record DocNode(Object value, String pointer, boolean present) {

  static DocNode root(Map<String, Object> document) {
    return new DocNode(document, "", true);
  }

  /** The member {@code name} of this object, or an absent node. */
  DocNode get(String name) {
    String child = Problem.child(pointer, name);
    if (value instanceof Map<?, ?> map && map.containsKey(name)) {
      return new DocNode(map.get(name), child, true);
    }
    return new DocNode(null, child, false);
  }

  /** The elements of this array, or none when it is not an array. */
  List<DocNode> items() {
    if (!(value instanceof List<?> list)) {
      return List.of();
    }
    List<DocNode> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      out.add(new DocNode(list.get(i), Problem.child(pointer, i), true));
    }
    return out;
  }

  String asString() {
    return value instanceof String s ? s : null;
  }

  boolean isString() {
    return value instanceof String;
  }

  boolean isObject() {
    return value instanceof Map;
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> asObject() {
    return value instanceof Map<?, ?> map ? (Map<String, Object>) map : null;
  }

  Boolean asBoolean() {
    return value instanceof Boolean b ? b : null;
  }

  /** The value as a whole number (also {@code 2.0}), or null. */
  Long asWholeNumber() {
    if (value instanceof Long l) {
      return l;
    }
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return d.longValue();
    }
    return null;
  }

  Double asNumber() {
    return value instanceof Number n ? n.doubleValue() : null;
  }

  /** Whether this is a string with a {@code ${...}} template in it (so not a literal). */
  boolean isTemplated() {
    return value instanceof String s && s.contains("${");
  }

  /** How the value reads in a message: {@code 'text'} for strings, else its JSON type. */
  String describe() {
    if (value instanceof String s) {
      return "'" + s + "'";
    }
    return Json.typeName(value) + (value instanceof Number ? " " + value : "");
  }
}
