package io.sluice.ingestion.event;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cloudevents.CloudEventData;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonCloudEventData;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.jackson.JsonFormatOptions;
import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import io.sluice.core.problem.Problem;
import io.sluice.core.problem.ProblemException;
import io.sluice.core.problem.ProblemException.Kind;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CloudEvents from an HTTP request as the CloudEvents HTTP binding defines: structured mode
 * ({@code application/cloudevents+json}, or plain {@code application/json} without {@code ce-*}
 * headers), binary mode ({@code ce-*} headers, the body is {@code data}) and batch mode ({@code
 * application/cloudevents-batch+json}). Decoding is the CloudEvents SDK's; the envelope rules are
 * checked first so every problem is reported at once. Thread-safe.
 *
 * <p>Refusals of the whole request (malformed or too deep JSON, unsupported media type, too many
 * events) are thrown as {@link ProblemException}; refusals of one event are {@link Entry entries}.
 * An event whose source is reserved for Sluice's own events ({@link ReservedSources}) is refused as
 * one event.
 */
public final class EventReader {
  public static final String STRUCTURED = "application/cloudevents+json";
  public static final String BATCH = "application/cloudevents-batch+json";

  private final JsonBodies json;
  private final ObjectMapper sdk;
  private final int maxBatchEvents;

  public EventReader(int maxJsonDepth, int maxBatchEvents) {
    this.json = new JsonBodies(maxJsonDepth);
    this.maxBatchEvents = maxBatchEvents;
    // producers' envelopes are stored as sent: no datacontenttype is invented
    this.sdk =
        json.mapper()
            .copy()
            .registerModule(
                JsonFormat.getCloudEventJacksonModule(
                    JsonFormatOptions.builder().disableDataContentTypeDefaulting(true).build()));
  }

  /**
   * Reads a request.
   *
   * @param contentType the {@code Content-Type} header, or null
   * @param headers every header, names in lower case
   * @param body the raw body
   */
  public Submission read(String contentType, Map<String, String> headers, byte[] body) {
    String type = JsonBodies.mediaType(contentType);
    if (STRUCTURED.equals(type)) {
      return new Submission(false, List.of(structured(json.tree(body, "the request body"), 0, "")));
    }
    if (BATCH.equals(type)) {
      return batch(json.tree(body, "the request body"));
    }
    if (headers.containsKey("ce-specversion")) {
      return new Submission(false, List.of(binary(contentType, headers, body)));
    }
    if ("application/json".equals(type)) {
      return new Submission(false, List.of(structured(json.tree(body, "the request body"), 0, "")));
    }
    throw ProblemException.of(
        Kind.UNSUPPORTED_MEDIA_TYPE,
        "unsupported content type",
        Problem.at(
            "",
            "expected Content-Type "
                + STRUCTURED
                + ", "
                + BATCH
                + ", application/json, or ce-* headers (binary mode), but got "
                + (contentType == null ? "none" : "'" + contentType + "'")));
  }

  private Submission batch(JsonNode node) {
    if (!node.isArray()) {
      throw ProblemException.of(
          Kind.MALFORMED,
          "a batch must be a JSON array",
          Problem.at("", "expected a JSON array of CloudEvents, but got " + kind(node)));
    }
    if (node.isEmpty()) {
      throw ProblemException.of(
          Kind.MALFORMED,
          "the batch is empty",
          Problem.at("", "expected at least one event, but the batch is empty"));
    }
    if (node.size() > maxBatchEvents) {
      throw ProblemException.of(
          Kind.TOO_LARGE,
          "the batch holds too many events",
          Problem.at(
              "",
              "expected at most "
                  + maxBatchEvents
                  + " events, but the batch holds "
                  + node.size()));
    }
    List<Entry> entries = new ArrayList<>(node.size());
    for (int i = 0; i < node.size(); i++) {
      entries.add(structured(node.get(i), i, "/" + i));
    }
    return new Submission(true, entries);
  }

  private Entry structured(JsonNode node, int index, String base) {
    String content = node.toString();
    if (!node.isObject()) {
      String hint = node.isArray() ? " (send a batch as " + BATCH + ")" : "";
      return Entry.rejected(
          index,
          invalid(
              List.of(
                  Problem.at(
                      base,
                      "expected a CloudEvent (a JSON object), but got " + kind(node) + hint))),
          null,
          null,
          content);
    }
    ObjectNode envelope = (ObjectNode) node;
    Map<String, Object> attributes = new LinkedHashMap<>();
    List<String> nulls = new ArrayList<>();
    boolean hasData = false;
    for (Iterator<Map.Entry<String, JsonNode>> it = envelope.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (field.getValue().isNull()) {
        nulls.add(field.getKey());
      } else if (field.getKey().equals("data")) {
        hasData = true;
      } else {
        attributes.put(field.getKey(), Json.fromNode(field.getValue()));
      }
    }
    String source = attributes.get("source") instanceof String s ? s : null;
    String id = attributes.get("id") instanceof String s ? s : null;
    List<Problem> problems = EnvelopeRules.check(attributes, hasData, base, name -> name);
    if (!problems.isEmpty()) {
      return Entry.rejected(index, invalid(problems), source, id, content);
    }
    envelope.remove(nulls); // null means absent (the SDK would refuse it)
    try {
      io.cloudevents.CloudEvent read = sdk.treeToValue(envelope, io.cloudevents.CloudEvent.class);
      return external(
          index, SdkEvents.toSluice(read, structuredData(read, base)), content, base + "/source");
    } catch (ProblemException e) {
      return Entry.rejected(index, e, source, id, content);
    } catch (Exception e) {
      return Entry.rejected(
          index,
          invalid(List.of(Problem.at(base, "the CloudEvents SDK refused it: " + firstLine(e)))),
          source,
          id,
          content);
    }
  }

  private Object structuredData(io.cloudevents.CloudEvent e, String base) {
    CloudEventData data = e.getData();
    if (data == null) {
      return null;
    }
    if (data instanceof JsonCloudEventData node) {
      return Json.fromNode(node.getNode());
    }
    // data_base64, or a string under a non-JSON datacontenttype
    byte[] bytes = data.toBytes();
    String pointer = base + "/data_base64";
    if (e.getDataContentType() == null || JsonBodies.isJson(e.getDataContentType())) {
      try {
        return json.value(bytes, "data_base64");
      } catch (ProblemException p) {
        throw invalid(List.of(Problem.at(pointer, p.problems().get(0).message())));
      }
    }
    String text = utf8(bytes);
    if (text == null) {
      throw invalid(List.of(Problem.at(pointer, binaryDataMessage(e.getDataContentType()))));
    }
    return text;
  }

  private Entry binary(String contentType, Map<String, String> headers, byte[] body) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    headers.forEach(
        (name, value) -> {
          if (name.startsWith("ce-") && name.length() > 3) {
            attributes.put(name.substring(3), value);
          }
        });
    if (contentType != null) {
      attributes.put("datacontenttype", contentType);
    }
    String source = headers.get("ce-source");
    String id = headers.get("ce-id");
    String content = binaryContent(headers, body);
    List<Problem> problems =
        EnvelopeRules.check(
            attributes,
            body.length > 0,
            "",
            name ->
                name.equals("datacontenttype") ? "the Content-Type header" : "header ce-" + name);
    if (!problems.isEmpty()) {
      return Entry.rejected(0, invalid(problems), source, id, content);
    }
    Object data = null;
    if (body.length > 0) {
      if (contentType == null || JsonBodies.isJson(contentType)) {
        data = json.value(body, "the request body");
      } else {
        data = utf8(body);
        if (data == null) {
          throw ProblemException.of(
              Kind.UNSUPPORTED_MEDIA_TYPE,
              "binary data is not supported",
              Problem.at("", binaryDataMessage(contentType)));
        }
      }
    }
    Map<String, String> sdkHeaders = new LinkedHashMap<>(headers);
    sdkHeaders.remove("content-type");
    if (contentType != null) {
      sdkHeaders.put("content-type", contentType);
    }
    try {
      io.cloudevents.CloudEvent read = HttpMessageFactory.createReader(sdkHeaders, body).toEvent();
      return external(0, SdkEvents.toSluice(read, data), content, "/source");
    } catch (RuntimeException e) {
      return Entry.rejected(
          0,
          invalid(List.of(Problem.at("", "the CloudEvents SDK refused it: " + firstLine(e)))),
          source,
          id,
          content);
    }
  }

  /**
   * The entry of an event read from a producer: refused when its source, as read, is reserved for
   * Sluice's own events.
   */
  private static Entry external(int index, CloudEvent event, String content, String pointer) {
    ProblemException reserved = ReservedSources.refusal(event, pointer);
    return reserved == null
        ? Entry.read(index, event, content)
        : Entry.rejected(index, reserved, event.source(), event.id(), content);
  }

  private static String binaryContent(Map<String, String> headers, byte[] body) {
    StringBuilder out = new StringBuilder();
    headers.forEach(
        (name, value) -> {
          if (name.startsWith("ce-") || name.equals("content-type")) {
            out.append(name).append(": ").append(value).append('\n');
          }
        });
    String text = utf8(body);
    return out.append('\n').append(text == null ? "<binary body>" : text).toString();
  }

  private static String binaryDataMessage(String contentType) {
    return "expected JSON or UTF-8 text data (rules match JSON payloads), but got binary data of type '"
        + contentType
        + "'";
  }

  static ProblemException invalid(List<Problem> problems) {
    return new ProblemException(
        Kind.UNPROCESSABLE, "the event is not a valid CloudEvent", problems);
  }

  private static String firstLine(Exception e) {
    String message = String.valueOf(e.getMessage());
    int cut = message.indexOf('\n');
    return cut < 0 ? message : message.substring(0, cut);
  }

  private static String kind(JsonNode node) {
    return Json.typeName(Json.fromNode(node));
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }
}
