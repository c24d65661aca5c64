package io.sluice.orchestrator.steps;

import io.sluice.definition.DefinitionParser;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;

/**
 * The executable step types of this node: the built-in ones and every {@link StepType} found by
 * {@link ServiceLoader}. A custom type may not reuse a built-in name.
 */
public final class StepTypes {
  /** Built-in types that run here rather than in the decider: registered like custom ones. */
  private static final Set<String> EXECUTED_BUILT_INS = Set.of("http", "workflow", "forEach");

  private final Map<String, StepType> types = new LinkedHashMap<>();

  private StepTypes() {}

  /** Built-ins plus the ServiceLoader-discovered types of the given class loader. */
  public static StepTypes load(Vertx vertx, ClassLoader loader) {
    StepTypes registry = new StepTypes();
    registry.register(new HttpStep(), vertx);
    for (StepType custom : ServiceLoader.load(StepType.class, loader)) {
      registry.register(custom, vertx);
    }
    return registry;
  }

  public StepTypes register(StepType type, Vertx vertx) {
    boolean pureBuiltIn =
        DefinitionParser.BUILT_IN_TYPES.contains(type.name())
            && !EXECUTED_BUILT_INS.contains(type.name());
    if (pureBuiltIn || types.containsKey(type.name())) {
      throw new IllegalStateException("step type '" + type.name() + "' is already defined");
    }
    type.init(vertx);
    types.put(type.name(), type);
    return this;
  }

  public StepType get(String name) {
    return types.get(name);
  }

  /** Every type a definition may use: the decider's pure built-ins and the executable ones. */
  public Set<String> names() {
    Set<String> names = new TreeSet<>(DefinitionParser.BUILT_IN_TYPES);
    names.addAll(types.keySet());
    return names;
  }

  public boolean isKnown(String name) {
    return DefinitionParser.BUILT_IN_TYPES.contains(name) || types.containsKey(name);
  }
}
