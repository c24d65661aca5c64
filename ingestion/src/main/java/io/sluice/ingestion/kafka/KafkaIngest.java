package io.sluice.ingestion.kafka;

import io.sluice.core.problem.ProblemException;
import io.sluice.ingestion.admission.Admission;
import io.sluice.ingestion.admission.Outcome;
import io.sluice.ingestion.event.Entry;
import io.sluice.ingestion.event.EventReader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.KafkaConsumerRecords;
import io.vertx.kafka.client.producer.KafkaHeader;
import io.vertx.kafka.client.producer.KafkaProducer;
import io.vertx.kafka.client.producer.KafkaProducerRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events from Kafka topics (SPEC §7): every record goes through the same path as {@code POST
 * /v1/events} (CloudEvents Kafka binding: structured mode, or binary mode with {@code ce_*}
 * headers; a record without a content type is read as a structured JSON event). A record that
 * cannot be accepted goes to {@code <topic>.dlq} with the reason in its headers.
 *
 * <p>At-least-once: offsets are committed only after every record of a poll was stored (or sent to
 * its dead-letter topic); when the store fails, the same records are tried again after a pause, so
 * nothing is skipped. A record consumed twice (a crash before the commit) is a duplicate of the
 * stored event and changes nothing.
 */
public final class KafkaIngest {
  private static final Logger log = LoggerFactory.getLogger(KafkaIngest.class);
  static final String CHANNEL = "kafka";
  private static final Duration POLL = Duration.ofMillis(500);
  private static final long RETRY_MS = 1_000;
  static final int DLQ_ATTEMPTS = 3;

  private final Vertx vertx;
  private final EventReader reader;
  private final Admission admission;
  private final KafkaConsumer<String, Buffer> consumer;
  private final KafkaProducer<String, Buffer> deadLetters;
  private final List<String> topics;
  private volatile boolean running;
  private final Promise<Void> stopped = Promise.promise();

  public KafkaIngest(
      Vertx vertx,
      EventReader reader,
      Admission admission,
      String bootstrap,
      List<String> topics,
      String groupId) {
    this.vertx = vertx;
    this.reader = reader;
    this.admission = admission;
    this.topics = List.copyOf(topics);
    Map<String, String> consumerConfig = new HashMap<>();
    consumerConfig.put("bootstrap.servers", bootstrap);
    consumerConfig.put("group.id", groupId);
    consumerConfig.put("enable.auto.commit", "false");
    consumerConfig.put("auto.offset.reset", "earliest");
    consumerConfig.put(
        "key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
    consumerConfig.put(
        "value.deserializer", "io.vertx.kafka.client.serialization.BufferDeserializer");
    this.consumer = KafkaConsumer.create(vertx, consumerConfig);
    Map<String, String> producerConfig = new HashMap<>();
    producerConfig.put("bootstrap.servers", bootstrap);
    producerConfig.put("acks", "all");
    producerConfig.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
    producerConfig.put("value.serializer", "io.vertx.kafka.client.serialization.BufferSerializer");
    this.deadLetters = KafkaProducer.create(vertx, producerConfig);
  }

  /** Subscribes and starts the poll loop; completes once subscribed. */
  public Future<Void> start() {
    return consumer
        .subscribe(new LinkedHashSet<>(topics))
        .onSuccess(
            v -> {
              running = true;
              log.info("consuming events from Kafka topics {}", topics);
              vertx.runOnContext(x -> poll());
            });
  }

  public Future<Void> stop() {
    running = false;
    return stopped
        .future()
        .compose(v -> consumer.close())
        .compose(v -> deadLetters.close())
        .recover(e -> Future.succeededFuture());
  }

  private void poll() {
    if (!running) {
      stopped.tryComplete();
      return;
    }
    consumer
        .poll(POLL)
        .compose(records -> records.isEmpty() ? Future.succeededFuture() : handle(records))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                log.warn("polling Kafka failed, trying again: {}", ar.cause().toString());
                vertx.setTimer(RETRY_MS, t -> poll());
              } else {
                poll();
              }
            });
  }

  /** Stores every record of the poll (trying again until the store takes them), then commits. */
  private Future<Void> handle(KafkaConsumerRecords<String, Buffer> records) {
    Promise<Void> done = Promise.promise();
    attempt(records, done);
    return done.future().compose(v -> consumer.commit());
  }

  private void attempt(KafkaConsumerRecords<String, Buffer> records, Promise<Void> done) {
    admitAll(records)
        .onSuccess(done::complete)
        .onFailure(
            e -> {
              if (!running) {
                done.fail(e); // uncommitted: consumed again at the next start
                return;
              }
              log.warn("storing events from Kafka failed, trying again: {}", e.toString());
              vertx.setTimer(RETRY_MS, t -> attempt(records, done));
            });
  }

  private Future<Void> admitAll(KafkaConsumerRecords<String, Buffer> records) {
    List<Entry> entries = new ArrayList<>();
    List<KafkaConsumerRecord<String, Buffer>> read = new ArrayList<>();
    List<Future<Void>> refused = new ArrayList<>();
    for (int i = 0; i < records.size(); i++) {
      KafkaConsumerRecord<String, Buffer> record = records.recordAt(i);
      try {
        for (Entry entry :
            reader.read(contentType(record), headers(record), bytes(record)).entries()) {
          entries.add(entry);
          read.add(record); // the record of each entry (a batch record holds several)
        }
      } catch (ProblemException unreadable) {
        // kept in the store with the reason (as admission keeps the refusals it makes), and on
        // the dead-letter topic
        refused.add(
            admission
                .refused(CHANNEL, unreadable, bytesBuffer(record).toString())
                .compose(v -> deadLetter(record, unreadable)));
      }
    }
    Future<Void> admitted =
        entries.isEmpty()
            ? Future.succeededFuture()
            : admission
                .admitAll(entries, CHANNEL)
                .compose(
                    outcomes -> {
                      List<Future<Void>> letters = new ArrayList<>();
                      for (int k = 0; k < outcomes.size(); k++) {
                        if (outcomes.get(k) instanceof Outcome.Rejected r) {
                          letters.add(deadLetter(read.get(k), r.reason()));
                        }
                      }
                      return Future.all(letters).mapEmpty();
                    });
    return Future.all(admitted, Future.all(refused)).mapEmpty();
  }

  /**
   * The record, as it came, to {@code <topic>.dlq} with the reason in headers. Tried {@link
   * #DLQ_ATTEMPTS} times; then only logged, so that a topic that cannot be written does not stall
   * the consumer: the refusal is in the store's dead letters either way.
   */
  private Future<Void> deadLetter(KafkaConsumerRecord<String, Buffer> record, ProblemException p) {
    return deadLetter(record, p, 1);
  }

  private Future<Void> deadLetter(
      KafkaConsumerRecord<String, Buffer> record, ProblemException p, int attempt) {
    return sendDeadLetter(record, p)
        .recover(
            e -> {
              if (attempt >= DLQ_ATTEMPTS) {
                log.warn(
                    "could not write a refused record of {} to {}.dlq ({} attempts), it is in the"
                        + " store's dead letters: {}",
                    record.topic(),
                    record.topic(),
                    attempt,
                    e.toString());
                return Future.succeededFuture();
              }
              Promise<Void> again = Promise.promise();
              vertx.setTimer(RETRY_MS, t -> deadLetter(record, p, attempt + 1).onComplete(again));
              return again.future();
            });
  }

  private Future<Void> sendDeadLetter(
      KafkaConsumerRecord<String, Buffer> record, ProblemException p) {
    KafkaProducerRecord<String, Buffer> letter =
        KafkaProducerRecord.create(record.topic() + ".dlq", record.key(), bytesBuffer(record));
    record.headers().forEach(h -> letter.addHeader(h.key(), h.value()));
    letter.addHeader("sluice_reason", p.getMessage());
    letter.addHeader("sluice_status", String.valueOf(p.kind().status()));
    p.problems()
        .forEach(
            problem ->
                letter.addHeader("sluice_error", problem.pointer() + ": " + problem.message()));
    return deadLetters.send(letter).mapEmpty();
  }

  private static String contentType(KafkaConsumerRecord<String, Buffer> record) {
    for (KafkaHeader h : record.headers()) {
      if (h.key().equalsIgnoreCase("content-type")) {
        return h.value().toString();
      }
    }
    boolean binary = record.headers().stream().anyMatch(h -> h.key().startsWith("ce_"));
    return binary ? "application/json" : EventReader.STRUCTURED;
  }

  /**
   * Kafka's {@code ce_id} headers read as the HTTP binding's {@code ce-id}, names in lower case.
   */
  private static Map<String, String> headers(KafkaConsumerRecord<String, Buffer> record) {
    Map<String, String> out = new HashMap<>();
    for (KafkaHeader h : record.headers()) {
      String name = h.key().toLowerCase(Locale.ROOT);
      out.put(name.startsWith("ce_") ? "ce-" + name.substring(3) : name, h.value().toString());
    }
    return out;
  }

  private static byte[] bytes(KafkaConsumerRecord<String, Buffer> record) {
    return record.value() == null ? new byte[0] : record.value().getBytes();
  }

  private static Buffer bytesBuffer(KafkaConsumerRecord<String, Buffer> record) {
    return record.value() == null ? Buffer.buffer() : record.value();
  }
}
