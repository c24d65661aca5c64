package io.sluice.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.NodeExtension;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Instances through real HTTP on the embedded store: start, wait, read, list, cancel, retry. */
class InstanceApiTest {
  @RegisterExtension static NodeExtension node = new NodeExtension();
  private final Client client = new Client(node);

  private static HttpServer downstream;
  private static final AtomicBoolean healthy = new AtomicBoolean(false);

  @BeforeAll
  static void startDownstream() throws IOException {
    downstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    downstream.createContext(
        "/flaky",
        exchange -> {
          byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(healthy.get() ? 200 : 503, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    downstream.createContext(
        "/slow",
        exchange -> {
          // never answers in time: the step's timeout or a cancel ends it
        });
    downstream.start();
  }

  @AfterAll
  static void stopDownstream() {
    downstream.stop(0);
  }

  private static final String CHAIN =
      """
      {"id":"chain","input":{"schema":{"type":"object","required":["n"],
        "properties":{"n":{"type":"integer"}}}},
       "steps":[
        {"id":"a","type":"transform","with":{"n":"${input.n + 1}"}},
        {"id":"b","type":"transform","needs":["a"],"with":{"m":"${steps.a.output.n * 2}"}},
        {"id":"skipped","type":"transform","needs":["a"],"if":"input.n > 100"},
        {"id":"c","type":"transform","needs":["b","skipped"],
         "with":{"msg":"${'n=' + string(steps.b.output.m)}"}}],
       "output":{"result":"${steps.c.output.msg}"}}
      """;

  @Test
  void aPureWorkflowCompletesWithinTheStartRequest() {
    client.put("/v1/workflows/chain", CHAIN);

    var r = client.post("/v1/workflows/chain/instances?wait=PT5S", "{\"input\":{\"n\":1}}");

    assertThat(r.status()).isEqualTo(201);
    Map<String, Object> instance = r.json();
    assertThat(instance).containsEntry("status", "COMPLETED");
    assertThat(instance.get("output")).isEqualTo(Map.of("result", "n=4"));
    assertThat(stepStatuses(instance))
        .containsEntry("a", "COMPLETED")
        .containsEntry("skipped", "SKIPPED")
        .containsEntry("c", "COMPLETED");
  }

  @Test
  void historyListsEveryLifecycleEventInOrder() {
    client.put("/v1/workflows/chain", CHAIN);
    String id =
        (String)
            client.post("/v1/workflows/chain/instances", "{\"input\":{\"n\":1}}").json().get("id");

    var history = client.get("/v1/instances/" + id + "/history").json();

    List<String> types = types(history);
    assertThat(types.get(0)).isEqualTo("workflow.started");
    assertThat(types.get(types.size() - 1)).isEqualTo("workflow.completed");
    assertThat(types).containsSubsequence("step.started", "step.completed", "step.skipped");
    List<String> ids = items(history).stream().map(e -> (String) e.get("id")).toList();
    assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
    assertThat(items(history)).allSatisfy(e -> assertThat(e).containsEntry("subject", id));
  }

  @Test
  void anInputThatBreaksTheSchemaIsRefusedAndStartsNothing() {
    client.put("/v1/workflows/chain", CHAIN);
    int before = countInstances("chain");

    var r = client.post("/v1/workflows/chain/instances", "{\"input\":{\"n\":\"one\"}}");

    assertThat(r.status()).isEqualTo(422);
    assertThat(r.text()).contains("/input/n");
    assertThat(countInstances("chain")).isEqualTo(before);
  }

  @Test
  void theSameKeyStartsOneInstance() {
    client.put("/v1/workflows/chain", CHAIN);
    var first =
        client.post("/v1/workflows/chain/instances", "{\"input\":{\"n\":1},\"key\":\"order-7\"}");
    var second =
        client.post("/v1/workflows/chain/instances", "{\"input\":{\"n\":2},\"key\":\"order-7\"}");

    assertThat(first.status()).isEqualTo(201);
    assertThat(second.status()).isEqualTo(200);
    assertThat(second.json())
        .containsEntry("existing", true)
        .containsEntry("id", first.json().get("id"));
  }

  @Test
  void startingAnUnknownWorkflowIsA404() {
    var r = client.post("/v1/workflows/nothing-here/instances", "{}");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.contentType()).startsWith("application/problem+json");
  }

  @Test
  void instancesAreListedNewestFirstWithCursorPaging() {
    client.put(
        "/v1/workflows/pages",
        "{\"id\":\"pages\",\"steps\":[{\"id\":\"a\",\"type\":\"transform\"}]}");
    List<String> started = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      started.add((String) client.post("/v1/workflows/pages/instances", "{}").json().get("id"));
    }

    List<String> listed = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var page =
          client
              .get(
                  "/v1/instances?workflow=pages&limit=3"
                      + (cursor == null ? "" : "&cursor=" + cursor))
              .json();
      items(page).forEach(i -> listed.add((String) i.get("id")));
      cursor = (String) page.get("next");
      pages++;
    } while (cursor != null);

    assertThat(pages).isEqualTo(3);
    java.util.Collections.reverse(started);
    assertThat(listed).containsExactlyElementsOf(started);
  }

  @Test
  void aFailedInstanceCanBeRetriedFromItsFailedStep() {
    healthy.set(false);
    String def =
        """
        {"id":"flaky","steps":[
          {"id":"first","type":"transform","with":{"v":1}},
          {"id":"call","type":"http","needs":["first"],"with":{"url":"%s"}},
          {"id":"after","type":"transform","needs":["call"],"with":{"ok":"${steps.call.output.body.ok}"}}]}
        """
            .formatted("http://127.0.0.1:" + downstream.getAddress().getPort() + "/flaky");
    client.put("/v1/workflows/flaky", def);

    var failed = client.post("/v1/workflows/flaky/instances?wait=PT10S", "{}").json();
    assertThat(failed).containsEntry("status", "FAILED");
    assertThat(stepStatuses(failed))
        .containsEntry("call", "FAILED")
        .containsEntry("after", "CANCELLED");
    String id = (String) failed.get("id");

    healthy.set(true);
    assertThat(client.post("/v1/instances/" + id + "/retry", "").status()).isEqualTo(200);
    var done = client.get("/v1/instances/" + id + "?wait=PT10S").json();

    assertThat(done).containsEntry("status", "COMPLETED");
    assertThat(stepStatuses(done))
        .containsEntry("call", "COMPLETED")
        .containsEntry("after", "COMPLETED");
    assertThat(types(client.get("/v1/instances/" + id + "/history").json()))
        .containsSubsequence("workflow.failed", "workflow.retried", "workflow.completed");
    assertThat(client.post("/v1/instances/" + id + "/retry", "").status()).isEqualTo(409);
  }

  @Test
  void cancellingStopsARunningInstanceAndASecondCancelConflicts() {
    String def =
        """
        {"id":"slow","steps":[{"id":"call","type":"http","with":{"url":"%s"}}]}
        """
            .formatted("http://127.0.0.1:" + downstream.getAddress().getPort() + "/slow");
    client.put("/v1/workflows/slow", def);
    String id = (String) client.post("/v1/workflows/slow/instances", "{}").json().get("id");

    var cancelled = client.post("/v1/instances/" + id + "/cancel", "{\"reason\":\"test\"}");

    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.json()).containsEntry("status", "CANCELLED");
    assertThat(stepStatuses(cancelled.json())).containsEntry("call", "CANCELLED");
    var again = client.post("/v1/instances/" + id + "/cancel", "{}");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.contentType()).startsWith("application/problem+json");
  }

  @Test
  void unknownInstancesAre404() {
    assertThat(client.get("/v1/instances/NOPE").status()).isEqualTo(404);
    assertThat(client.get("/v1/instances/NOPE/history").status()).isEqualTo(404);
    assertThat(client.post("/v1/instances/NOPE/cancel", "{}").status()).isEqualTo(404);
  }

  @Test
  void lifecycleEventsAreStreamedAsServerSentEvents() throws Exception {
    client.put("/v1/workflows/chain", CHAIN);
    List<String> lines = new CopyOnWriteArrayList<>();
    var connection =
        (java.net.HttpURLConnection)
            URI.create(node.url("/v1/lifecycle/stream?type=workflow.completed"))
                .toURL()
                .openConnection();
    connection.setReadTimeout(20_000);
    Thread reader =
        new Thread(
            () -> {
              try (var in =
                  new BufferedReader(
                      new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException closed) {
                // the test disconnects when it has seen what it needs
              }
            });
    reader.setDaemon(true);
    reader.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.contains(": connected"));

    String id =
        (String)
            client.post("/v1/workflows/chain/instances", "{\"input\":{\"n\":5}}").json().get("id");

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> lines.stream().anyMatch(l -> l.startsWith("data:") && l.contains(id)));
    assertThat(lines).contains("event: workflow.completed");
    assertThat(lines).noneMatch(l -> l.equals("event: step.completed"));
    // not disconnect(): it drains the endless stream for keep-alive until the read timeout; the
    // node closes the stream when it stops, which ends the (daemon) reader
  }

  // ---- helpers -------------------------------------------------------------------------------

  private int countInstances(String workflow) {
    return items(client.get("/v1/instances?workflow=" + workflow + "&limit=500").json()).size();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> items(Map<String, Object> page) {
    return (List<Map<String, Object>>) page.get("items");
  }

  private static List<String> types(Map<String, Object> history) {
    return items(history).stream().map(e -> (String) e.get("type")).toList();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> stepStatuses(Map<String, Object> instance) {
    Map<String, Object> out = new java.util.LinkedHashMap<>();
    for (Map<String, Object> s : (List<Map<String, Object>>) instance.get("steps")) {
      out.put((String) s.get("id"), s.get("status"));
    }
    return out;
  }
}
