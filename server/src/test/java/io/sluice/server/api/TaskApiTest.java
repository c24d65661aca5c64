package io.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code task} steps through real HTTP on the embedded store (SPEC §4): a worker takes the task of
 * a waiting step from its queue, then completes or fails it; a task whose lease runs out is taken
 * again. Each test uses its own queue.
 */
class TaskApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private static final Client client = new Client(node);

  @BeforeAll
  static void saveTheWorkflows() {
    for (String queue : List.of("q1", "q2", "q3", "q4", "q5", "q6", "q7")) {
      String def =
          """
          {"id":"mail-%1$s","steps":[
            {"id":"send","type":"task","with":{"queue":"%1$s","input":{"to":"${input.to}"}},
             "retry":{"maxAttempts":2,"initialInterval":"PT0.1S"}},
            {"id":"done","type":"transform","needs":["send"],
             "with":{"id":"${steps.send.output.messageId}"}}],
           "output":{"messageId":"${steps.done.output.id}"}}
          """
              .formatted(queue);
      assertThat(client.put("/v1/workflows/mail-" + queue, def).status()).isIn(200, 201);
    }
  }

  private static String start(String queue) {
    var r =
        client.post(
            "/v1/workflows/mail-" + queue + "/instances",
            "{\"input\":{\"to\":\"ana@example.com\"}}");
    assertThat(r.status()).isEqualTo(201);
    return (String) r.json().get("id");
  }

  private static Client.Response take(String queue, String query) {
    return client.post("/v1/tasks/" + queue + "/take" + query, "");
  }

  @Test
  void aWorkerTakesTheTaskAndItsOutputCompletesTheStep() {
    String id = start("q1");

    var taken = take("q1", "?worker=w1&wait=PT10S"); // the task is written after the start
    var none = take("q1", "");

    assertThat(taken.status()).isEqualTo(200);
    Map<String, Object> task = taken.json();
    assertThat(task)
        .containsEntry("id", id + ":send:1")
        .containsEntry("instanceId", id)
        .containsEntry("stepId", "send")
        .containsEntry("input", Map.of("to", "ana@example.com"));
    assertThat(none.status()).isEqualTo(204);
    var done =
        client.post(
            "/v1/tasks/" + task.get("id") + "/complete", "{\"output\":{\"messageId\":\"m-1\"}}");
    assertThat(done.status()).isEqualTo(200);
    assertThat(done.json()).containsEntry("status", "COMPLETED");
    assertThat(done.json().get("output")).isEqualTo(Map.of("messageId", "m-1"));
    assertThat(client.post("/v1/tasks/" + task.get("id") + "/complete", "{}").status())
        .isEqualTo(409);
  }

  @Test
  void aTaskWhoseLeaseRanOutIsTakenAgain() {
    start("q2");

    var first = take("q2", "?lease=PT0.2S&wait=PT10S");
    await(() -> take("q2", "").status() == 200);

    assertThat(first.status()).isEqualTo(200);
  }

  @Test
  void aFailedTaskIsRetriedAsTheNextAttemptsTask() {
    String id = start("q3");
    String first = (String) take("q3", "?wait=PT10S").json().get("id");

    var failed =
        client.post(
            "/v1/tasks/" + first + "/fail", "{\"code\":\"smtp\",\"message\":\"421 try later\"}");

    assertThat(failed.status()).isEqualTo(200);
    String[] second = new String[1];
    await(
        () -> {
          var r = take("q3", "");
          if (r.status() == 200) {
            second[0] = (String) r.json().get("id");
            return true;
          }
          return false;
        });
    assertThat(second[0]).isEqualTo(id + ":send:2");
    assertThat(client.post("/v1/tasks/" + first + "/complete", "{}").status()).isEqualTo(409);
  }

  @Test
  void aCancelledInstanceLeavesNoTaskToTake() {
    String id = start("q4");

    assertThat(client.post("/v1/instances/" + id + "/cancel", "{}").status()).isEqualTo(200);

    // a take of a task not yet removed holds it for 1 ms only, so 204 means it is gone
    await(() -> take("q4", "?lease=PT0.001S").status() == 204);
  }

  @Test
  void unknownOrMalformedTaskIdsAre404() {
    start("q5");

    assertThat(client.post("/v1/tasks/nope/complete", "{}").status()).isEqualTo(404);
    assertThat(client.post("/v1/tasks/NOPE:send:1/complete", "{}").status()).isEqualTo(404);
    assertThat(take("q5", "?lease=soon").status()).isEqualTo(400);
  }

  @Test
  void aTaskWhoseWriteWasLostIsOfferedAgainByRecovery() {
    String id = start("q6");
    await(() -> taskCount(id) == 1);
    // as if the node died between saving the waiting step and writing its task
    try (MongoClient store = MongoClients.create(node.sluice().storeUri())) {
      store.getDatabase("sluice").getCollection("tasks").deleteMany(new Document("instanceId", id));
    }
    assertThat(take("q6", "").status()).isEqualTo(204);

    node.sluice().orchestrator().recover().toCompletionStage().toCompletableFuture().join();

    await(() -> taskCount(id) == 1);
    var taken = take("q6", "");
    assertThat(taken.status()).isEqualTo(200);
    assertThat(taken.json()).containsEntry("id", id + ":send:1");
  }

  @Test
  void aTakeThatWaitsGetsTheTaskOfferedWhileItWaits() throws Exception {
    // an empty queue: a take that waits a little ends with 204
    assertThat(take("q7", "?wait=PT0.2S").status()).isEqualTo(204);

    // a worker already waiting when the instance starts gets its task, not a 204
    var waiting =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> take("q7", "?wait=PT20S&worker=w"));
    String id = start("q7");

    var taken = waiting.get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(taken.status()).as(taken.text()).isEqualTo(200);
    assertThat(taken.json()).containsEntry("id", id + ":send:1");
  }

  private static long taskCount(String instanceId) {
    try (MongoClient store = MongoClients.create(node.sluice().storeUri())) {
      return store
          .getDatabase("sluice")
          .getCollection("tasks")
          .countDocuments(new Document("instanceId", instanceId));
    }
  }

  private static void await(java.util.concurrent.Callable<Boolean> condition) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .pollInterval(java.time.Duration.ofMillis(50))
        .until(condition);
  }
}
