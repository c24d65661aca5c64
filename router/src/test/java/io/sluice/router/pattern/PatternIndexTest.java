package io.sluice.router.pattern;

import static org.assertj.core.api.Assertions.assertThat;

import io.sluice.core.event.CloudEvent;
import io.sluice.core.json.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The value index only saves work: it must give exactly the verdicts of evaluating everything. */
class PatternIndexTest {
  @Test
  void everyFixturePatternInOneIndexGivesTheVerdictsOfEvaluatingEachOne() {
    // given: every distinct pattern of the fixtures, and every fixture event
    List<EventPattern> patterns = new ArrayList<>();
    new LinkedHashSet<>(PatternRows.rows().stream().map(PatternRows.Row::pattern).toList())
        .forEach(p -> patterns.add(EventPattern.compile(p)));
    PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);

    for (PatternRows.Row row : PatternRows.rows()) {
      CloudEvent event = CloudEvent.fromMap(row.event());

      // when
      List<EventPattern> matching = index.matching(event);

      // then
      assertThat(matching).as(row.toString()).isEqualTo(bruteForce(patterns, event));
    }
  }

  @Test
  void stringsWhoseHashesCollideAreToldApart() {
    // given: strings with equal String.hashCode ("Aa" and "BB"; "" and "\0"), which the compact
    // patterns compare by hash first, then character by character
    List<Object> leaves =
        List.of(
            "Aa",
            "",
            Map.of("prefix", "Aa"),
            Map.of("suffix", "Aa"),
            Map.of("equals-ignore-case", "aA"),
            Map.of("prefix", Map.of("equals-ignore-case", "AA")),
            Map.of("anything-but", List.of("Aa", "")));
    List<EventPattern> patterns = new ArrayList<>();
    for (Object leaf : leaves) {
      patterns.add(EventPattern.compile(Map.of("data", Map.of("s", List.of(leaf)))));
    }
    PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);
    int matched = 0;

    for (String value : List.of("Aa", "BB", "", "\0", "AaBB", "BBAa", "aa", "bB", "\0\0")) {
      CloudEvent event =
          new CloudEvent(
              "1", "/s", "t", null, null, null, null, Json.normalize(Map.of("s", value)), Map.of());

      // when
      List<EventPattern> matching = index.matching(event);

      // then
      List<EventPattern> expected = bruteForce(patterns, event);
      assertThat(matching).as(value).isEqualTo(expected);
      for (EventPattern p : patterns) {
        assertThat(p.matches(event)).as("%s on %s", p, value).isEqualTo(expected.contains(p));
      }
      matched += matching.size();
    }
    assertThat(matched).as("each pattern matches its own string").isGreaterThanOrEqualTo(9);
  }

  @Test
  void randomPatternsAndEventsGiveTheVerdictsOfEvaluatingEachOne() {
    // given: 1,500 random patterns over a small vocabulary, so events hit many of them
    Random random = new Random(42);
    List<EventPattern> patterns = new ArrayList<>();
    for (int i = 0; i < 1_500; i++) {
      patterns.add(EventPattern.compile(randomPattern(random)));
    }
    PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);
    int matched = 0;

    for (int i = 0; i < 400; i++) {
      CloudEvent event = randomEvent(random, i);

      // when
      List<EventPattern> matching = index.matching(event);

      // then
      assertThat(matching).as(event.toString()).isEqualTo(bruteForce(patterns, event));
      matched += matching.size();
    }
    assertThat(matched).as("the random events do match some patterns").isGreaterThan(400);
    assertThat(index.layout()).startsWith("/");
  }

  @Test
  void patternsPinningAFieldAreIndexedByItsValues() {
    // given: 3 patterns pin data.tenant, 2 pin source, 1 pins no value but has a numeric range
    List<EventPattern> patterns =
        List.of(
            pattern("{\"data\": {\"tenant\": [\"acme\"], \"total\": [{\"numeric\": [\">\", 1]}]}}"),
            pattern("{\"data\": {\"tenant\": [\"globex\", \"initech\"]}}"),
            pattern("{\"data\": {\"tenant\": [\"acme\"]}, \"source\": [\"/crm\"]}"),
            pattern("{\"source\": [\"/shop\"], \"data\": {\"n\": [{\"exists\": true}]}}"),
            pattern("{\"source\": [\"/shop\", \"/crm\"]}"),
            pattern("{\"data\": {\"total\": [{\"numeric\": [\">\", 100]}]}}"));

    // when
    PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);

    // then
    assertThat(index.layout())
        .isEqualTo(
            "/data/tenant: 3 (exact 4), /source: 2 (exact 3), /data/total: 1 (numeric 1),"
                + " unindexed: 0");
    CloudEvent event =
        CloudEvent.of(
            "1", "/crm", "t", Instant.EPOCH, Json.parse("{\"tenant\": \"acme\", \"total\": 200}"));
    assertThat(index.matching(event))
        .containsExactly(patterns.get(0), patterns.get(2), patterns.get(4), patterns.get(5));
  }

  @Test
  void patternsWithoutExactValuesAreIndexedByWhatTheyRequire() {
    // given: one pattern per operator that can be looked up, none pinning an exact value
    List<EventPattern> patterns =
        List.of(
            pattern("{\"data\": {\"sku\": [{\"prefix\": \"ACME-\"}]}}"),
            pattern("{\"data\": {\"sku\": [{\"prefix\": {\"equals-ignore-case\": \"init\"}}]}}"),
            pattern("{\"data\": {\"email\": [{\"suffix\": \"@example.com\"}]}}"),
            pattern("{\"data\": {\"region\": [{\"equals-ignore-case\": \"EU\"}]}}"),
            pattern("{\"data\": {\"total\": [{\"numeric\": [\">\", 100, \"<=\", 200]}]}}"),
            pattern("{\"data\": {\"coupon\": [{\"exists\": true}]}}"),
            pattern("{\"subject\": [{\"wildcard\": \"orders/*/eu\"}]}"),
            pattern(
                "{\"data\": {\"items\": {\"sku\": [\"A\"], \"qty\": [{\"numeric\": [\">\", 1]}]}}}"),
            pattern(
                "{\"$or\": [{\"data\": {\"tier\": [\"gold\"]}},"
                    + " {\"data\": {\"total\": [{\"numeric\": [\">\", 900]}]}}]}"),
            pattern("{\"data\": {\"status\": [{\"anything-but\": [\"cancelled\"]}]}}"),
            pattern("{\"data\": {\"coupon\": [{\"exists\": false}]}}"));
    PatternIndex<EventPattern> index = new PatternIndex<>(patterns, p -> p);
    CloudEvent event =
        CloudEvent.of(
                "1",
                "/shop",
                "t",
                Instant.EPOCH,
                Json.parse(
                    "{\"sku\": \"Initech-7\", \"email\": \"a@b.org\", \"region\": \"us\","
                        + " \"total\": 150, \"status\": \"paid\", \"coupon\": null,"
                        + " \"items\": [{\"sku\": \"B\", \"qty\": 5}, {\"sku\": \"A\", \"qty\": 1}]}"))
            .withSubject("orders/1/us");

    // when
    List<EventPattern> matching = index.matching(event);

    // then: anything-but and exists are evaluated for every event (exists: true is not worth a
    // look-up: most events have the field); the event is a candidate of the ignore-case prefix,
    // the range and the nested pattern (an element has sku A) and of nothing else; no verdict
    // changes
    assertThat(index.layout())
        .isEqualTo(
            "/data/sku: 2 (prefix 2), /data/email: 1 (suffix 1), /data/items/sku: 1 (exact 1),"
                + " /data/region: 1 (equals-ignore-case 1), /subject: 1 (suffix 1),"
                + " /data/total: 2 (numeric 2), /data/tier: 1 (exact 1), unindexed: 3");
    assertThat(index.candidateCount(event)).isEqualTo(6);
    assertThat(matching)
        .containsExactly(patterns.get(1), patterns.get(4), patterns.get(5), patterns.get(9))
        .isEqualTo(bruteForce(patterns, event));
  }

  @Test
  void aNullPatternMatchesEveryEvent() {
    PatternIndex<String> index = new PatternIndex<>(List.of("any"), name -> null);

    assertThat(index.matching(CloudEvent.of("1", "s", "t", null, null))).containsExactly("any");
  }

  private static EventPattern pattern(String json) {
    return EventPattern.compile(Json.parse(json));
  }

  private static List<EventPattern> bruteForce(List<EventPattern> patterns, CloudEvent event) {
    Map<String, Object> structured = event.toMap();
    return patterns.stream().filter(p -> p.matches(structured)).toList();
  }

  private static final String[] FIELDS = {"a", "b", "c"};
  private static final Object[] VALUES = {"x", "y", "z", 1L, 2.5, true, null};

  private static Object randomPattern(Random r) {
    Map<String, Object> data = new LinkedHashMap<>();
    int fields = 1 + r.nextInt(2);
    for (int i = 0; i < fields; i++) {
      String field = FIELDS[r.nextInt(FIELDS.length)];
      if (r.nextInt(8) == 0) {
        data.put(field, Map.of("k", List.of(VALUES[r.nextInt(3)])));
      } else {
        data.put(field, leaf(r));
      }
    }
    Map<String, Object> pattern = new LinkedHashMap<>();
    pattern.put("data", data);
    if (r.nextInt(4) == 0) {
      pattern.put("source", List.of("s" + r.nextInt(3)));
    }
    if (r.nextInt(10) == 0) {
      pattern.put(
          "$or",
          List.of(Map.of("data", Map.of("a", List.of("x"))), Map.of("subject", List.of("q"))));
    }
    return pattern;
  }

  private static List<Object> leaf(Random r) {
    List<Object> alternatives = new ArrayList<>();
    int n = 1 + r.nextInt(2);
    for (int i = 0; i < n; i++) {
      switch (r.nextInt(10)) {
        case 0 -> alternatives.add(Map.of("prefix", "x"));
        case 1 -> alternatives.add(Map.of("numeric", List.of(">", 1)));
        case 2 -> alternatives.add(Map.of("exists", r.nextBoolean()));
        case 3 -> alternatives.add(Map.of("anything-but", "y"));
        default -> alternatives.add(VALUES[r.nextInt(VALUES.length)]);
      }
    }
    return alternatives;
  }

  private static CloudEvent randomEvent(Random r, int i) {
    Map<String, Object> data = new LinkedHashMap<>();
    for (String field : FIELDS) {
      switch (r.nextInt(6)) {
        case 0 -> {} // missing
        case 1 -> data.put(field, java.util.Arrays.asList(value(r), value(r)));
        case 2 -> data.put(field, List.of(element(r), element(r)));
        default -> data.put(field, value(r));
      }
    }
    CloudEvent event = CloudEvent.of("e" + i, "s" + r.nextInt(3), "t", null, data);
    return r.nextBoolean() ? event.withSubject("q") : event;
  }

  private static Map<String, Object> element(Random r) {
    Map<String, Object> element = new LinkedHashMap<>();
    element.put("k", value(r));
    return element;
  }

  private static Object value(Random r) {
    return VALUES[r.nextInt(VALUES.length)];
  }
}
