package io.solstice.online.streams;

import static org.assertj.core.api.Assertions.assertThat;

import com.yahoo.labs.samoa.instances.Instance;
import io.solstice.arrow.ArrowBatch;
import java.util.List;
import java.util.function.Supplier;
import moa.options.AbstractOptionHandler;
import moa.streams.ConceptDriftStream;
import moa.streams.ExampleStream;
import moa.streams.generators.AgrawalGenerator;
import moa.streams.generators.HyperplaneGenerator;
import moa.streams.generators.RandomRBFGeneratorDrift;
import moa.streams.generators.SEAGenerator;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;

/**
 * Each generator's first 10,000 rows equal those of its MOA peer for the same seeds and
 * parameters, value for value (MOA draws from {@code java.util.Random}, and so do these).
 */
class GeneratorsMatchMoaTest {
  private static final int ROWS = 10_000;

  @Test
  void seaEqualsMoaSeaGeneratorForEveryConceptAndBalance() {
    for (int concept = 1; concept <= 4; concept++) {
      for (boolean balanced : new boolean[] {false, true}) {
        SEAGenerator moa = new SEAGenerator();
        moa.functionOption.setValue(concept);
        moa.instanceRandomSeedOption.setValue(17 + concept);
        if (balanced) {
          moa.balanceClassesOption.set();
        }
        moa.prepareForUse();
        assertSameRows(new SeaGenerator(concept, 10, balanced, 17 + concept), moa);
      }
    }
  }

  @Test
  void agrawalEqualsMoaAgrawalGeneratorForEveryFunction() {
    for (int function = 1; function <= 10; function++) {
      AgrawalGenerator moa = new AgrawalGenerator();
      moa.functionOption.setValue(function);
      moa.instanceRandomSeedOption.setValue(100 + function);
      moa.balanceClassesOption.setValue(function % 2 == 0);
      moa.prepareForUse();
      assertSameRows(
          new io.solstice.online.streams.AgrawalGenerator(function, 0.05, function % 2 == 0, 100 + function),
          moa);
    }
  }

  @Test
  void hyperplaneEqualsMoaHyperplaneGeneratorWithDrift() {
    HyperplaneGenerator moa = new HyperplaneGenerator();
    moa.numAttsOption.setValue(10);
    moa.numDriftAttsOption.setValue(3);
    moa.magChangeOption.setValue(0.001);
    moa.noisePercentageOption.setValue(5);
    moa.sigmaPercentageOption.setValue(10);
    moa.instanceRandomSeedOption.setValue(42);
    moa.prepareForUse();
    assertSameRows(new io.solstice.online.streams.HyperplaneGenerator(10, 3, 0.001, 5, 10, 42), moa);
  }

  @Test
  void randomRbfEqualsMoaRandomRbfGeneratorDrift() {
    RandomRBFGeneratorDrift moa = new RandomRBFGeneratorDrift();
    moa.modelRandomSeedOption.setValue(3);
    moa.instanceRandomSeedOption.setValue(4);
    moa.numClassesOption.setValue(3);
    moa.numAttsOption.setValue(10);
    moa.numCentroidsOption.setValue(50);
    moa.speedChangeOption.setValue(0.0001);
    moa.numDriftCentroidsOption.setValue(20);
    moa.prepareForUse();
    assertSameRows(new RandomRbfGenerator(3, 4, 3, 10, 50, 0.0001, 20), moa);
  }

  @Test
  void abruptAndGradualDriftsEqualMoaConceptDriftStream() {
    for (int width : new int[] {1, 2_000}) {
      ConceptDriftStream moa = new ConceptDriftStream();
      moa.streamOption.setValueViaCLIString("generators.SEAGenerator -f 1 -i 5");
      moa.driftstreamOption.setValueViaCLIString("generators.SEAGenerator -f 3 -i 6");
      moa.positionOption.setValue(5_000);
      moa.widthOption.setValue(width);
      moa.randomSeedOption.setValue(7);
      moa.prepareForUse();
      assertSameRows(new ConceptDrift(SeaGenerator.of(1, 5), SeaGenerator.of(3, 6), 5_000, width, 7), moa);
    }
  }

  @Test
  void arrowSourceCarriesTheGeneratorsRowsAsFloat32AndIsCold() {
    Supplier<RowGenerator> sea =
        () -> new ConceptDrift(SeaGenerator.of(1, 5), SeaGenerator.of(3, 6), 5_000, 1, 7);
    try (BufferAllocator allocator = new RootAllocator()) {
      for (int pass = 0; pass < 2; pass++) {
        ConceptDriftStream moa = new ConceptDriftStream();
        moa.streamOption.setValueViaCLIString("generators.SEAGenerator -f 1 -i 5");
        moa.driftstreamOption.setValueViaCLIString("generators.SEAGenerator -f 3 -i 6");
        moa.positionOption.setValue(5_000);
        moa.widthOption.setValue(1);
        moa.randomSeedOption.setValue(7);
        moa.prepareForUse();
        List<ArrowBatch> batches =
            DriftingStreams.arrow(sea, 1_000, allocator).take(ROWS / 1_000).collectList().block();
        assertThat(batches).hasSize(ROWS / 1_000);
        for (int b = 0; b < batches.size(); b++) {
          try (ArrowBatch batch = batches.get(b)) {
            assertThat(batch.position().batch()).isEqualTo(b);
            FixedSizeListVector list = (FixedSizeListVector) batch.root().getVector(DriftingStreams.FEATURES);
            Float4Vector values = (Float4Vector) list.getDataVector();
            IntVector labels = (IntVector) batch.root().getVector(DriftingStreams.LABEL);
            assertThat(batch.root().getRowCount()).isEqualTo(1_000);
            for (int r = 0; r < 1_000; r++) {
              Instance expected = (Instance) moa.nextInstance().getData();
              for (int i = 0; i < 3; i++) {
                assertThat(values.get(r * 3 + i)).isEqualTo((float) expected.value(i));
              }
              assertThat(labels.get(r)).isEqualTo((int) expected.classValue());
            }
          }
        }
      }
    }
  }

  private static void assertSameRows(RowGenerator ours, ExampleStream<?> moa) {
    assertThat(((AbstractOptionHandler) moa).getCLICreationString(ExampleStream.class)).isNotEmpty();
    double[] row = new double[ours.features()];
    int[] classCounts = new int[ours.classes()];
    for (int n = 0; n < ROWS; n++) {
      Instance expected = (Instance) moa.nextInstance().getData();
      int label = ours.next(row);
      assertThat(expected.numAttributes() - 1).isEqualTo(ours.features());
      for (int i = 0; i < row.length; i++) {
        if (row[i] != expected.value(i)) {
          throw new AssertionError("row " + n + " feature " + i + ": " + row[i] + " vs MOA " + expected.value(i));
        }
      }
      if (label != (int) expected.classValue()) {
        throw new AssertionError("row " + n + ": label " + label + " vs MOA " + expected.classValue());
      }
      classCounts[label]++;
    }
    // Every class occurs: the comparison is not between two degenerate streams.
    assertThat(java.util.Arrays.stream(classCounts).min().orElseThrow()).isPositive();
  }
}
