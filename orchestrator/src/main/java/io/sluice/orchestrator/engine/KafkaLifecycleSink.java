package io.sluice.orchestrator.engine;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lifecycle events to Kafka (SPEC §5, §7): each to the topic named by its type after {@code
 * kafka.topicPrefix} ({@code workflow.completed}, ...), keyed by the instance id (its {@code
 * subject}), as a structured CloudEvent ({@code content-type: application/cloudevents+json}), with
 * {@code acks=all} and idempotence on.
 */
final class KafkaLifecycleSink implements LifecycleSink {
  private final KafkaProducer<String, Buffer> producer;
  private final String prefix;

  KafkaLifecycleSink(Vertx vertx, String bootstrap, String prefix) {
    Map<String, String> config = new HashMap<>();
    config.put("bootstrap.servers", bootstrap);
    config.put("acks", "all");
    config.put("enable.idempotence", "true");
    config.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    config.put("value.serializer", "io.vertx.kafka.client.serialization.BufferSerializer");
    this.producer = KafkaProducer.create(vertx, config);
    this.prefix = prefix == null ? "" : prefix;
  }

  @Override
  public Future<Void> publish(List<CloudEvent> events) {
    List<Future<?>> sent = new ArrayList<>(events.size());
    for (CloudEvent e : events) {
      KafkaProducerRecord<String, Buffer> record =
          KafkaProducerRecord.create(
              prefix + e.type(), e.subject(), Buffer.buffer(Json.write(e.toMap())));
      record.addHeader("content-type", "application/cloudevents+json");
      sent.add(producer.send(record));
    }
    return Future.all(sent).mapEmpty();
  }
}
