package io.sluice.definition;

import io.sluice.validation.HttpUrls;
import java.util.List;

/**
 * What each built-in step type requires of its {@code with} (SPEC §4). Members that are templates
 * ({@code ${...}}) are only known at run time and are not checked here.
 */
final class StepWithRules {
  static final String DEFAULT_HTTP_METHOD = "GET";
  static final List<String> HTTP_METHODS =
      List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS");

  private StepWithRules() {}

  static void check(String type, DocNode step, DocNode with, Compilation c) {
    switch (type) {
      case "transform" -> requireObject(type, with, c);
      case "http" -> http(step, with, c);
      case "emit" -> emit(step, with, c);
      case "delay" -> delay(step, with, c);
      case "waitForEvent" -> waitForEvent(step, with, c);
      case "manual" -> manual(with, c);
      case "workflow" -> childWorkflow(step, with, c);
      case "task" -> task(step, with, c);
      case "forEach" -> forEach(step, with, c);
      default -> {
        // custom step types check their own parameters
      }
    }
  }

  private static boolean requireObject(String type, DocNode with, Compilation c) {
    if (with.present() && !with.isObject()) {
      c.add(
          with.pointer(),
          "expected 'with' of a " + type + " step to be an object, but got " + with.describe());
      return false;
    }
    return true;
  }

  private static void http(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("http", with, c)) {
      return;
    }
    DocNode url = with.get("url");
    if (!url.present()) {
      c.add(where(step, with), "expected an http step to have a 'url' in 'with', but it has none");
    } else if (!url.isString()) {
      c.add(url.pointer(), "expected 'url' to be a string, but got " + url.describe());
    } else if (!url.isTemplated()) {
      checkUrl(url, c);
    }
    DocNode method = with.get("method");
    if (method.present() && !method.isTemplated()) {
      if (!method.isString() || !HTTP_METHODS.contains(method.asString())) {
        c.add(
            method.pointer(),
            "expected one of "
                + String.join(", ", HTTP_METHODS)
                + ", but got "
                + method.describe());
      }
    }
  }

  private static void checkUrl(DocNode url, Compilation c) {
    if (!HttpUrls.isAbsoluteHttp(url.asString())) {
      c.add(
          url.pointer(),
          "expected an absolute http or https URL such as https://example.com/path, but got "
              + url.describe());
    }
  }

  private static void emit(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("emit", with, c)) {
      return;
    }
    DocNode type = with.get("type");
    if (!type.present()) {
      c.add(
          where(step, with),
          "expected an emit step to have the event 'type' in 'with', but it has none");
    } else if (!type.isString() || type.asString().isBlank()) {
      c.add(type.pointer(), "expected a non-empty event type string, but got " + type.describe());
    }
  }

  private static void delay(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("delay", with, c)) {
      return;
    }
    DocNode duration = with.get("duration");
    DocNode until = with.get("until");
    if (duration.present() == until.present()) {
      c.add(
          where(step, with),
          "expected a delay step to have exactly one of 'duration' or 'until' in 'with', but it"
              + (duration.present() ? " has both" : " has neither"));
      return;
    }
    if (duration.present() && !duration.isTemplated()) {
      if (!duration.isString()) {
        c.add(
            duration.pointer(),
            "expected " + TimeValues.DURATION + ", but got " + duration.describe());
      } else {
        TimeValues.nonNegative(duration, c);
      }
    }
    if (until.present() && !until.isTemplated()) {
      if (!until.isString()) {
        c.add(
            until.pointer(), "expected " + TimeValues.TIMESTAMP + ", but got " + until.describe());
      } else {
        TimeValues.timestamp(until, c);
      }
    }
  }

  /** {@code type} is required; {@code match} is bare CEL (SPEC §2); {@code timeout} a duration. */
  private static void waitForEvent(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("waitForEvent", with, c)) {
      return;
    }
    DocNode type = with.get("type");
    if (!type.present()) {
      c.add(
          where(step, with),
          "expected a waitForEvent step to have the event 'type' in 'with', but it has none");
    } else if (!type.isString() || type.asString().isBlank()) {
      c.add(type.pointer(), "expected a non-empty event type string, but got " + type.describe());
    }
    DocNode match = with.get("match");
    if (match.isString()) {
      c.expression(match);
    }
    DocNode timeout = with.get("timeout");
    if (timeout.isString() && !timeout.isTemplated()) {
      TimeValues.positive(timeout, c);
    }
  }

  /**
   * Both optional: {@code schema}, a JSON Schema (2020-12) for the data that completes the step;
   * {@code assignee}, a string naming who should complete it.
   */
  private static void manual(DocNode with, Compilation c) {
    if (!requireObject("manual", with, c)) {
      return;
    }
    DocNode schema = with.get("schema");
    if (schema.present() && !schema.isTemplated()) {
      if (!schema.isObject() && !(schema.value() instanceof Boolean)) {
        c.add(
            schema.pointer(),
            "expected 'schema' to be a JSON Schema (an object), but got " + schema.describe());
      } else {
        DefinitionSchema.validateJsonSchema(schema.value(), schema.pointer())
            .forEach(p -> c.add(p.pointer(), p.message()));
      }
    }
    DocNode assignee = with.get("assignee");
    if (assignee.present() && !assignee.isString()) {
      c.add(
          assignee.pointer(), "expected 'assignee' to be a string, but got " + assignee.describe());
    }
  }

  /** The types a forEach step may run per item: no waiting types, no nested forEach. */
  static final List<String> FOR_EACH_NESTED = List.of("transform", "http", "workflow");

  /**
   * {@code items} (a list, usually an expression) and {@code step} ({@code {type, with?}}, checked
   * by the rules of its type) are required; {@code concurrency}, if given, is 1 to 100. Custom
   * executable types may be nested too: only the built-ins that wait or emit may not.
   */
  private static void forEach(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("forEach", with, c)) {
      return;
    }
    if (!with.get("items").present()) {
      c.add(
          where(step, with), "expected a forEach step to have 'items' in 'with', but it has none");
    }
    DocNode nested = with.get("step");
    if (!nested.present()) {
      c.add(
          where(step, with),
          "expected a forEach step to have the nested 'step' in 'with', but it has none");
    } else if (!nested.isObject()) {
      c.add(nested.pointer(), "expected 'step' to be an object, but got " + nested.describe());
    } else {
      DocNode type = nested.get("type");
      boolean waitsOrEmits =
          type.isString()
              && DefinitionParser.BUILT_IN_TYPES.contains(type.asString())
              && !FOR_EACH_NESTED.contains(type.asString());
      if (!type.isString() || type.isTemplated() || waitsOrEmits) {
        c.add(
            type.pointer(),
            "expected the nested step's type to be one of "
                + String.join(", ", FOR_EACH_NESTED)
                + " or a custom executable type, but got "
                + type.describe());
      } else {
        check(type.asString(), nested, nested.get("with"), c);
      }
    }
    DocNode concurrency = with.get("concurrency");
    if (concurrency.present() && !concurrency.isTemplated()) {
      Long n = concurrency.asWholeNumber();
      if (n == null || n < 1 || n > 100) {
        c.add(
            concurrency.pointer(),
            "expected a concurrency of 1 to 100, but got " + concurrency.describe());
      }
    }
  }

  /** {@code queue} is required; {@code input} is any value (what the worker gets). */
  private static void task(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("task", with, c)) {
      return;
    }
    DocNode queue = with.get("queue");
    if (!queue.present()) {
      c.add(where(step, with), "expected a task step to have a 'queue' in 'with', but it has none");
    } else if (!queue.isString() || queue.asString().isBlank()) {
      c.add(queue.pointer(), "expected a queue name string, but got " + queue.describe());
    }
  }

  /** {@code id} (the child workflow) is required; {@code version}, if given, a whole number. */
  private static void childWorkflow(DocNode step, DocNode with, Compilation c) {
    if (!requireObject("workflow", with, c)) {
      return;
    }
    DocNode id = with.get("id");
    if (!id.present()) {
      c.add(
          where(step, with),
          "expected a workflow step to have the child workflow's 'id' in 'with', but it has none");
    } else if (!id.isString() || id.asString().isBlank()) {
      c.add(id.pointer(), "expected a workflow id string, but got " + id.describe());
    }
    DocNode version = with.get("version");
    if (version.present() && !version.isTemplated()) {
      Long v = version.asWholeNumber();
      if (v == null || v < 1) {
        c.add(
            version.pointer(),
            "expected a version number of 1 or more, but got " + version.describe());
      }
    }
  }

  /** Where a missing member of {@code with} is reported: at {@code with}, or the step if none. */
  private static String where(DocNode step, DocNode with) {
    return with.present() ? with.pointer() : step.pointer();
  }
}
