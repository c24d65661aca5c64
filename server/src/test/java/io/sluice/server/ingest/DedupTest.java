package io.sluice.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.server.testing.NodeExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** (source, id) is the identity: concurrent duplicates store one event and answer the original. */
class DedupTest {
  @RegisterExtension static final NodeExtension node = new NodeExtension();

  @Test
  @SuppressWarnings("unchecked")
  void fiftyParallelPostsOfOneEventStoreOne() throws Exception {
    Wire wire = new Wire(() -> node.url(""));
    String event =
        "{\"specversion\":\"1.0\",\"id\":\"same\",\"source\":\"/dedup\",\"type\":\"t\",\"data\":{\"n\":1}}";
    ExecutorService pool = Executors.newFixedThreadPool(50);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Wire.Response>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return wire.post("/v1/events", "application/cloudevents+json", event);
                }));
      }
      go.countDown();
      List<Wire.Response> responses = new ArrayList<>();
      for (Future<Wire.Response> f : answers) {
        responses.add(f.get());
      }

      assertThat(responses).extracting(Wire.Response::status).containsOnly(200, 202);
      assertThat(responses).filteredOn(r -> r.status() == 202).hasSize(1);
      assertThat(responses.stream().map(r -> r.json().get("id")).distinct()).hasSize(1);
      assertThat(responses.stream().filter(r -> r.status() == 200))
          .allSatisfy(r -> assertThat(r.json()).containsEntry("duplicate", true));
      assertThat(wire.storedEvents("source=/dedup")).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void aDuplicateIsAnsweredWithTheOriginalRecordNotTheNewOne() {
    Wire wire = new Wire(() -> node.url(""));
    Wire.Response first =
        wire.post(
            "/v1/events",
            "application/cloudevents+json",
            "{\"specversion\":\"1.0\",\"id\":\"o-1\",\"source\":\"/orig\",\"type\":\"t\",\"data\":{\"v\":1}}");

    Wire.Response again =
        wire.post(
            "/v1/events",
            "application/cloudevents+json",
            "{\"specversion\":\"1.0\",\"id\":\"o-1\",\"source\":\"/orig\",\"type\":\"t\",\"data\":{\"v\":2}}");

    assertThat(first.status()).isEqualTo(202);
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.json())
        .containsEntry("id", first.json().get("id"))
        .containsEntry("duplicate", true)
        .containsEntry("receivedAt", first.json().get("receivedAt"));
    assertThat(((Map<String, Object>) again.json().get("event")).get("data"))
        .isEqualTo(Map.of("v", 1L));
    // the same id from another source is another event
    assertThat(
            wire.post(
                    "/v1/events",
                    "application/cloudevents+json",
                    "{\"specversion\":\"1.0\",\"id\":\"o-1\",\"source\":\"/other\",\"type\":\"t\"}")
                .status())
        .isEqualTo(202);
  }
}
