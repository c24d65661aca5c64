package io.sluice.orchestrator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.time.Clock;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * Keeps the pure packages pure (DESIGN "Decide, then apply"): the decider, the definition model and
 * the shared core neither touch infrastructure nor read the clock or sleep; time and ids are passed
 * in.
 */
@AnalyzeClasses(
    packages = {"io.sluice.orchestrator.domain", "io.sluice.definition", "io.sluice.core"},
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String[] PURE = {
    "io.sluice.orchestrator.domain..", "io.sluice.definition..", "io.sluice.core.."
  };

  @ArchTest
  static final ArchRule pureCodeDoesNotDependOnInfrastructure =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("io.vertx..", "com.mongodb..", "org.bson..", "org.apache.kafka..")
          .because("the decider is a pure function; the engine around it does the I/O");

  @ArchTest
  static final ArchRule pureCodeDoesNotReadTheSystemClock =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .callMethodWhere(call(Instant.class, "now"))
          .orShould()
          .callMethodWhere(call(System.class, "currentTimeMillis"))
          .orShould()
          .callMethodWhere(call(System.class, "nanoTime"))
          .orShould()
          .callMethodWhere(call(Clock.class, "systemUTC"))
          .orShould()
          .callMethodWhere(call(Clock.class, "systemDefaultZone"))
          .orShould()
          .callMethodWhere(anyJavaTimeNow())
          .because("time is passed in, so schedules and timeouts are tested without sleeping");

  @ArchTest
  static final ArchRule pureCodeDoesNotSleep =
      noClasses()
          .that()
          .resideInAnyPackage(PURE)
          .should()
          .callMethodWhere(call(Thread.class, "sleep"))
          .because("a sleeping decider blocks the event loop and makes tests slow");

  @ArchTest
  static final ArchRule theDeciderHasNoRandomness =
      noClasses()
          .that()
          .resideInAPackage("io.sluice.orchestrator.domain..")
          .should()
          .dependOnClassesThat()
          .areAssignableTo(Random.class)
          .orShould()
          .callMethodWhere(call(Math.class, "random"))
          .orShould()
          .callMethodWhere(call(UUID.class, "randomUUID"))
          .because("the same (definition, state, input, now) must give the same decision");

  /** A call of any overload of {@code owner.method}. */
  private static DescribedPredicate<JavaCall<?>> call(Class<?> owner, String method) {
    return DescribedPredicate.describe(
        owner.getName() + "." + method + "()",
        c -> c.getTargetOwner().isEquivalentTo(owner) && c.getName().equals(method));
  }

  /** {@code LocalDateTime.now()}, {@code ZonedDateTime.now()}, ... without an explicit clock. */
  private static DescribedPredicate<JavaCall<?>> anyJavaTimeNow() {
    return DescribedPredicate.describe(
        "java.time.*.now() without a Clock",
        c ->
            c.getTargetOwner().getPackageName().equals("java.time")
                && c.getName().equals("now")
                && c.getTarget().getRawParameterTypes().stream()
                    .noneMatch(p -> p.isEquivalentTo(Clock.class)));
  }
}
