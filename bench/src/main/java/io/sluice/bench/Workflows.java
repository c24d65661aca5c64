package io.sluice.bench;

import java.util.ArrayList;
import java.util.List;

/** The workflow definitions the benchmarks run, as the JSON a client would send. */
public final class Workflows {
  private Workflows() {}

  /**
   * Three chained {@code transform} steps: pure, so an instance completes in its start decision
   * (one store insert).
   */
  public static String transformChain(String id) {
    return """
        {"id":"%s","steps":[
          {"id":"a","type":"transform","with":{"n":"${input.n + 1}"}},
          {"id":"b","type":"transform","needs":["a"],"with":{"m":"${steps.a.output.n * 2}"}},
          {"id":"c","type":"transform","needs":["b"],"with":{"msg":"${'v' + string(steps.b.output.m)}"}}
        ],"output":{"r":"${steps.c.output.msg}"}}"""
        .formatted(id);
  }

  /**
   * {@link #transformChain} started by events of {@code type} (their data is the input), with the
   * starting event's id in the output, so a client sees which event a {@code workflow.completed}
   * answers.
   */
  public static String eventTriggeredChain(String id, String type) {
    String chain = transformChain(id);
    return chain
        .replace(
            "{\"id\":\"" + id + "\",",
            "{\"id\":\"" + id + "\",\"triggers\":[{\"event\":{\"type\":\"" + type + "\"}}],")
        .replace("\"output\":{", "\"output\":{\"ref\":\"${event.id}\",");
  }

  /** Ids of the http steps of {@link #fanOutFanIn}. */
  public static List<String> fanOutSteps(int width) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= width; i++) {
      ids.add("call" + i);
    }
    return ids;
  }

  /**
   * A {@code transform} step, {@code width} http steps that all need it (fan-out), and a {@code
   * transform} that needs them all (fan-in): {@code width + 2} steps.
   */
  public static String fanOutFanIn(String id, int width) {
    StringBuilder steps = new StringBuilder();
    steps.append("{\"id\":\"prepare\",\"type\":\"transform\",\"with\":{\"n\":\"${input.n}\"}}");
    StringBuilder sum = new StringBuilder();
    for (String step : fanOutSteps(width)) {
      steps
          .append(",{\"id\":\"")
          .append(step)
          .append(
              "\",\"type\":\"http\",\"needs\":[\"prepare\"],\"with\":{\"url\":\"http://svc.local/")
          .append(step)
          .append("\",\"method\":\"POST\",\"body\":{\"n\":\"${steps.prepare.output.n}\"}}}");
      sum.append(sum.length() == 0 ? "" : " + ").append("steps.").append(step).append(".output.v");
    }
    steps.append(",{\"id\":\"join\",\"type\":\"transform\",\"needs\":[");
    List<String> ids = fanOutSteps(width);
    for (int i = 0; i < ids.size(); i++) {
      steps.append(i == 0 ? "" : ",").append('"').append(ids.get(i)).append('"');
    }
    steps.append("],\"with\":{\"total\":\"${").append(sum).append("}\"}}");
    return "{\"id\":\""
        + id
        + "\",\"steps\":["
        + steps
        + "],\"output\":{\"total\":\"${steps.join.output.total}\"}}";
  }
}
