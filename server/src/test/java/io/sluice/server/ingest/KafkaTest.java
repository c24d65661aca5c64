package io.sluice.server.ingest;

import static io.sluice.server.testing.Views.items;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.sluice.config.Setting;
import io.sluice.core.json.Json;
import io.sluice.server.testing.Client;
import io.sluice.server.testing.KafkaBroker;
import io.sluice.server.testing.NodeExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A node against a real Kafka broker (KRaft, in the test JVM): consuming the topic {@code orders},
 * it stores each record's event once, routes it like any other, and sends what it cannot accept to
 * {@code orders.dlq} with the reason; its lifecycle events go to the topics named by their types
 * (after the prefix {@code t.}), keyed by instance id.
 */
class KafkaTest {
  @RegisterExtension
  @Order(1)
  static KafkaBroker kafka = new KafkaBroker();

  @RegisterExtension
  @Order(2)
  static NodeExtension node =
      new NodeExtension(
          c ->
              c.with(Setting.KAFKA_BOOTSTRAP, kafka.bootstrap())
                  .with(Setting.KAFKA_INGEST_TOPICS, List.of("orders"))
                  .with(Setting.KAFKA_TOPIC_PREFIX, "t."));

  private static final Client client = new Client(node);
  private static KafkaProducer<String, String> producer;

  @BeforeAll
  static void producerAndWorkflow() {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("acks", "all");
    producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    var saved =
        client.put(
            "/v1/workflows/on-kafka",
            """
            {"id":"on-kafka","triggers":[{"event":{"type":"kafka.order.created"}}],
             "steps":[{"id":"log","type":"transform","with":{"order":"${input.orderId}"}}]}
            """);
    assertThat(saved.status()).isIn(200, 201);
  }

  @AfterAll
  static void closeProducer() {
    producer.close();
  }

  private static void send(ProducerRecord<String, String> record) throws Exception {
    producer.send(record).get();
  }

  private static String structured(String source, String id) {
    return """
        {"specversion":"1.0","id":"%s","source":"%s","type":"kafka.order.created",
         "data":{"orderId":"%s"}}
        """
        .formatted(id, source, id);
  }

  private static List<Map<String, Object>> stored(String source) {
    return items(client.get("/v1/events?source=" + source));
  }

  @Test
  void aStructuredRecordIsStoredOnceAndStartsItsWorkflow() throws Exception {
    send(new ProducerRecord<>("orders", "o-1", structured("/shop/1", "o-1")));
    send(new ProducerRecord<>("orders", "o-1", structured("/shop/1", "o-1"))); // a duplicate
    // same key, same partition: once this one is stored, the duplicate before it was handled
    send(new ProducerRecord<>("orders", "o-1", structured("/shop/1-marker", "o-1")));

    await().atMost(Duration.ofSeconds(30)).until(() -> stored("/shop/1-marker").size() == 1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(items(client.get("/v1/instances?workflow=on-kafka")))
                    .filteredOn(i -> i.get("key").equals("/shop/1/o-1"))
                    .hasSize(1));
    assertThat(stored("/shop/1")).hasSize(1);
  }

  @Test
  void aBinaryModeRecordIsReadFromItsCeHeaders() throws Exception {
    ProducerRecord<String, String> record =
        new ProducerRecord<>("orders", "b-1", "{\"orderId\":\"b-1\"}");
    record.headers().add("ce_specversion", bytes("1.0"));
    record.headers().add("ce_id", bytes("b-1"));
    record.headers().add("ce_source", bytes("/shop/binary"));
    record.headers().add("ce_type", bytes("kafka.order.created"));
    record.headers().add("content-type", bytes("application/json"));

    send(record);

    await().atMost(Duration.ofSeconds(30)).until(() -> stored("/shop/binary").size() == 1);
    Map<String, Object> event = (Map<String, Object>) stored("/shop/binary").get(0).get("event");
    assertThat(event.get("data")).isEqualTo(Map.of("orderId", "b-1"));
  }

  @Test
  void aRecordThatCannotBeAcceptedGoesToTheDeadLetterTopicWithTheReason() throws Exception {
    send(new ProducerRecord<>("orders", "bad-1", "{not json"));
    send(
        new ProducerRecord<>(
            "orders",
            "bad-2",
            "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"/shop/bad\"}")); // no type

    List<ConsumerRecord<String, String>> letters = deadLetters(2);

    assertThat(letters).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("bad-1", "bad-2");
    for (ConsumerRecord<String, String> letter : letters) {
      Header reason = letter.headers().lastHeader("sluice_reason");
      assertThat(reason).as("sluice_reason of " + letter.key()).isNotNull();
    }
    ConsumerRecord<String, String> noType =
        letters.stream().filter(l -> l.key().equals("bad-2")).findFirst().orElseThrow();
    assertThat(
            new String(noType.headers().lastHeader("sluice_error").value(), StandardCharsets.UTF_8))
        .startsWith("/type");
    assertThat(stored("/shop/bad")).isEmpty();
    // and both are kept in the store's dead letters, the unreadable one with its content as sent
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(client.get("/v1/dead-letters?limit=100").text())
                    .contains("{not json")
                    .contains("/shop/bad"));
  }

  @Test
  void lifecycleEventsArePublishedToTheTopicOfTheirTypeKeyedByInstance() {
    var started =
        client.post(
            "/v1/workflows/on-kafka/instances?wait=PT5S", "{\"input\":{\"orderId\":\"m\"}}");
    assertThat(started.json()).containsEntry("status", "COMPLETED");
    String id = (String) started.json().get("id");

    List<ConsumerRecord<String, String>> completed =
        read("t.workflow.completed", r -> id.equals(r.key()));

    Map<String, Object> event = Json.parseObject(completed.get(0).value());
    assertThat(event)
        .containsEntry("type", "workflow.completed")
        .containsEntry("subject", id)
        .containsEntry("specversion", "1.0");
    assertThat(completed.get(0).headers().lastHeader("content-type").value())
        .isEqualTo(bytes("application/cloudevents+json"));
  }

  private static List<ConsumerRecord<String, String>> deadLetters(int count) {
    List<ConsumerRecord<String, String>> out = new ArrayList<>();
    read("orders.dlq", r -> out.add(r) && out.size() >= count);
    return out;
  }

  /** Reads the topic from its start until a record passes; every record read so far, in order. */
  private static List<ConsumerRecord<String, String>> read(
      String topic, java.util.function.Predicate<ConsumerRecord<String, String>> until) {
    Properties p = new Properties();
    p.put("bootstrap.servers", kafka.bootstrap());
    p.put("group.id", "reader-" + topic);
    p.put("auto.offset.reset", "earliest");
    List<ConsumerRecord<String, String>> matched = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                  if (until.test(r)) {
                    matched.add(r);
                  }
                }
                return !matched.isEmpty();
              });
    }
    return matched;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
