package io.solstice.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The architecture of the modules, as rules. Each module owns one package tree ({@code
 * io.solstice.core} is solstice-core, and so on), so rules on packages are rules on modules.
 * {@link ArchitectureTest} checks them against the real classes; {@link PlantedViolationsTest}
 * shows that each one fails on a class that breaks it.
 */
final class SolsticeRules {

  /** The library modules' package trees: what users depend on. */
  static final String[] LIBRARIES = {
    "io.solstice.core..", "io.solstice.reactive..", "io.solstice.arrow..", "io.solstice.dl4j..",
    "io.solstice.kafka..", "io.solstice.spark..", "io.solstice.cuda..", "io.solstice.micrometer..",
    "io.solstice.online..", "io.solstice.onnx..",
  };

  private SolsticeRules() {}

  /** Core is the experiment API on ND4J: usable without the streaming stack. */
  static final ArchRule CORE_KNOWS_NEITHER_REACTOR_NOR_ARROW =
      noClasses().that().resideInAPackage("io.solstice.core..")
          .should().dependOnClassesThat().resideInAnyPackage("reactor..", "org.reactivestreams..", "org.apache.arrow..")
          .because("solstice-core is the experiment API, used without the streaming stack");

  /** The engine trains on any batch type: Arrow is one data plane among others. */
  static final ArchRule ENGINE_KNOWS_NO_ARROW =
      noClasses().that().resideInAPackage("io.solstice.reactive..")
          .should().dependOnClassesThat().resideInAPackage("org.apache.arrow..")
          .because("the engine is generic in its batch type; Arrow lives in solstice-arrow");

  /** Libraries never reach into the applications built on them. */
  static final ArchRule LIBRARIES_IGNORE_APPLICATIONS =
      noClasses().that().resideInAnyPackage(LIBRARIES)
          .should().dependOnClassesThat().resideInAnyPackage("io.solstice.examples..", "io.solstice.benchmarks..")
          .because("examples and benchmarks are not published; a library depending on them could not be used");

  /** An {@code internal} package is its module's business alone. */
  static final ArchRule INTERNALS_STAY_IN_THEIR_MODULE =
      classes().that().resideInAPackage("io.solstice..")
          .should(new ArchCondition<JavaClass>("use no other module's internal package") {
            @Override
            public void check(JavaClass origin, ConditionEvents events) {
              String module = module(origin.getPackageName());
              for (Dependency dependency : origin.getDirectDependenciesFromSelf()) {
                String target = dependency.getTargetClass().getPackageName();
                if (target.startsWith("io.solstice.") && isInternal(target) && !module(target).equals(module)) {
                  events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                }
              }
            }
          })
          .because("internal packages may change at any time; only public types are API");

  /**
   * No cycles between packages (the applications' too), counting a package's {@code internal} subpackage as part of it
   * (the public types and their implementation refer to each other by design).
   */
  static final ArchRule NO_PACKAGE_CYCLES =
      slices().assignedFrom(new SliceAssignment() {
            @Override
            public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
              String name = javaClass.getPackageName();
              if (!name.startsWith("io.solstice.")) {
                return SliceIdentifier.ignore();
              }
              int internal = ("." + name + ".").indexOf(".internal.");
              return SliceIdentifier.of(internal < 0 ? name : name.substring(0, internal - 1));
            }

            @Override
            public String getDescription() {
              return "packages of io.solstice, each with its internal subpackage";
            }
          })
          .should().beFreeOfCycles();

  /** The module of a package: its third name ({@code core} for {@code io.solstice.core.x}). */
  static String module(String packageName) {
    String[] names = packageName.split("\\.");
    return names.length > 2 ? names[2] : "";
  }

  static boolean isInternal(String packageName) {
    return ("." + packageName + ".").contains(".internal.");
  }
}
