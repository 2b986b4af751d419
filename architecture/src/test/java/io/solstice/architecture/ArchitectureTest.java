package io.solstice.architecture;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Every rule of {@link SolsticeRules} over the main classes of every module. */
@AnalyzeClasses(packages = "io.solstice", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule coreKnowsNeitherReactorNorArrow = SolsticeRules.CORE_KNOWS_NEITHER_REACTOR_NOR_ARROW;

  @ArchTest
  static final ArchRule engineKnowsNoArrow = SolsticeRules.ENGINE_KNOWS_NO_ARROW;

  @ArchTest
  static final ArchRule librariesIgnoreApplications = SolsticeRules.LIBRARIES_IGNORE_APPLICATIONS;

  @ArchTest
  static final ArchRule internalsStayInTheirModule = SolsticeRules.INTERNALS_STAY_IN_THEIR_MODULE;

  @ArchTest
  static final ArchRule noPackageCycles = SolsticeRules.NO_PACKAGE_CYCLES;
}
