package io.solstice.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * Each rule of {@link SolsticeRules} fails on a class planted to break it (the planted classes
 * are test classes, which {@link ArchitectureTest} does not import), and names that class.
 */
class PlantedViolationsTest {

  private static EvaluationResult evaluate(ArchRule rule, String plantedPackage) {
    JavaClasses planted = new ClassFileImporter().importPackages(plantedPackage);
    assertThat(planted).as("planted classes in " + plantedPackage).isNotEmpty();
    return rule.evaluate(planted);
  }

  private static void assertViolatedBy(EvaluationResult result, String plantedClass) {
    assertThat(result.hasViolation()).as("the rule found the planted violation").isTrue();
    assertThat(result.getFailureReport().toString()).contains(plantedClass);
  }

  @Test
  void coreUsingReactorIsCaught() {
    assertViolatedBy(
        evaluate(SolsticeRules.CORE_KNOWS_NEITHER_REACTOR_NOR_ARROW, "io.solstice.core.planted"),
        "io.solstice.core.planted.CoreUsingReactor");
  }

  @Test
  void engineUsingArrowIsCaught() {
    assertViolatedBy(
        evaluate(SolsticeRules.ENGINE_KNOWS_NO_ARROW, "io.solstice.reactive.planted"),
        "io.solstice.reactive.planted.EngineUsingArrow");
  }

  @Test
  void libraryUsingTheExamplesIsCaught() {
    assertViolatedBy(
        evaluate(SolsticeRules.LIBRARIES_IGNORE_APPLICATIONS, "io.solstice.arrow.planted"),
        "io.solstice.arrow.planted.LibraryUsingExamples");
  }

  @Test
  void anotherModulesInternalPackageIsCaught() {
    assertViolatedBy(
        evaluate(SolsticeRules.INTERNALS_STAY_IN_THEIR_MODULE, "io.solstice.kafka.planted"),
        "io.solstice.kafka.planted.ReachingIntoArrowInternals");
  }

  @Test
  void aModuleUsingItsOwnInternalPackageIsAllowed() {
    JavaClasses arrow = new ClassFileImporter().importPackages("io.solstice.arrow");
    assertThat(SolsticeRules.INTERNALS_STAY_IN_THEIR_MODULE.evaluate(arrow).hasViolation()).isFalse();
  }

  @Test
  void aPackageCycleIsCaught() {
    assertViolatedBy(
        evaluate(SolsticeRules.NO_PACKAGE_CYCLES, "io.solstice.core.planted.cycle"),
        "io.solstice.core.planted.cycle.lines.Line");
  }
}
