package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * The bit-level finiteness scan against ND4J's own {@code MatchCondition}: every position of
 * every non-finite kind in arrays of odd and even length, the extreme finite values, and views
 * whose buffer holds a NaN outside the view.
 */
class FiniteValuesTest {

  private static final double[] NON_FINITE = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};

  @Test
  void findsEachNonFiniteKindAtEveryPositionInFloatAndDoubleArraysOfOddAndEvenLength() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (int length = 1; length <= 9; length++) {
        for (int at = 0; at < length; at++) {
          for (double bad : NON_FINITE) {
            double[] values = new double[length];
            java.util.Arrays.fill(values, 0.5);
            values[at] = bad;
            INDArray array = Nd4j.createFromArray(values).castTo(type);
            assertThat(FiniteValues.scansInJava(array)).as("an array that owns its buffer").isTrue();
            assertThat(FiniteValues.allFinite(array))
                .as("%s length %d with %s at %d", type, length, bad, at).isFalse();
          }
        }
        INDArray clean = Nd4j.rand(type, 1, length);
        assertThat(FiniteValues.allFinite(clean)).as("%s length %d finite", type, length).isTrue();
      }
    }
  }

  /** Their sum of magnitudes overflows, so the scan, not OpenBLAS's sum, decides. */
  @Test
  void extremeFiniteValuesAreFinite() {
    float[] floats = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, -Float.MIN_VALUE,
        Float.MIN_NORMAL, 0f, -0f, 1e-40f, 3.4e38f};
    double[] doubles = {Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, -Double.MIN_VALUE,
        Double.MIN_NORMAL, 0d, -0d, 1e-310, 1.7e308};
    assertThat(FiniteValues.scansInJava(Nd4j.createFromArray(floats))).isTrue();
    assertThat(FiniteValues.allFinite(Nd4j.createFromArray(floats))).isTrue();
    assertThat(FiniteValues.allFinite(Nd4j.createFromArray(doubles))).isTrue();
  }

  @Test
  void aViewIsJudgedByItsOwnValuesNotByTheRestOfItsBuffer() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      INDArray whole = Nd4j.rand(type, 6, 5);
      whole.putScalar(0, 0, Double.NaN);
      whole.putScalar(5, 4, Double.POSITIVE_INFINITY);
      INDArray middleRows = whole.get(NDArrayIndex.interval(1, 5), NDArrayIndex.all());
      INDArray column = whole.get(NDArrayIndex.all(), NDArrayIndex.point(2));
      assertThat(FiniteValues.scansInJava(whole)).isTrue();
      assertThat(FiniteValues.scansInJava(middleRows)).isFalse();
      assertThat(FiniteValues.scansInJava(column)).isFalse();
      assertThat(FiniteValues.allFinite(middleRows)).as("%s rows 1-4", type).isTrue();
      assertThat(FiniteValues.allFinite(column)).as("%s column 2", type).isTrue();
      assertThat(FiniteValues.allFinite(whole.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all())))
          .as("%s rows 0-1", type).isFalse();
      INDArray fOrder = whole.dup('f');
      assertThat(FiniteValues.allFinite(fOrder)).as("%s f order", type).isFalse();
      // A block of rows as a HostMatrix is read in place; a column, strided, goes to ND4J.
      assertThat(HostMatrix.of(middleRows).bytes()).isNotNull();
      assertThat(FiniteValues.allFinite(HostMatrix.of(middleRows))).as("%s matrix rows 1-4", type).isTrue();
      assertThat(FiniteValues.allFinite(HostMatrix.of(column.reshape(6, 1)))).as("%s matrix column 2", type)
          .isTrue();
      assertThat(FiniteValues.allFinite(HostMatrix.of(whole.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()))))
          .as("%s matrix rows 0-1", type).isFalse();
      // Five values: the infinity is the odd one after the last pair.
      assertThat(FiniteValues.allFinite(HostMatrix.of(whole.get(NDArrayIndex.interval(5, 6), NDArrayIndex.all()))))
          .as("%s matrix row 5", type).isFalse();
    }
  }

  @Test
  void agreesWithNd4jOnSeededRandomArrays() {
    Random random = new Random(20261125L);
    DataType[] types = {DataType.FLOAT, DataType.DOUBLE, DataType.HALF};
    for (int i = 0; i < 500; i++) {
      DataType type = types[random.nextInt(types.length)];
      int rows = 1 + random.nextInt(40);
      int cols = 1 + random.nextInt(40);
      INDArray array = Nd4j.rand(type, rows, cols).subi(0.5).muli(1e3);
      int poisons = random.nextInt(3);
      for (int p = 0; p < poisons; p++) {
        array.putScalar(random.nextInt(rows), random.nextInt(cols), NON_FINITE[random.nextInt(3)]);
      }
      boolean expected = !BooleanIndexing.or(array, Conditions.notFinite());
      assertThat(FiniteValues.allFinite(array)).as("case %d: %s %dx%d, %d poisons", i, type, rows, cols, poisons)
          .isEqualTo(expected);
    }
  }

  @Test
  void nonFiniteNamesNanFirstThenInfinityAndNothingForFiniteOrOverflowingValues() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      assertThat(FiniteValues.nonFinite(Nd4j.createFromArray(1.0, Double.NaN, 2.0).castTo(type))).isEqualTo("NaN");
      assertThat(FiniteValues.nonFinite(Nd4j.createFromArray(Double.NEGATIVE_INFINITY, 1.0).castTo(type)))
          .isEqualTo("infinity");
      assertThat(FiniteValues.nonFinite(
          Nd4j.createFromArray(Double.POSITIVE_INFINITY, Double.NaN).castTo(type))).isEqualTo("NaN");
      assertThat(FiniteValues.nonFinite(Nd4j.createFromArray(-0.0, 1e-30, 3.0).castTo(type))).isNull();
    }
    // Finite values whose sum of magnitudes overflows: not mistaken for an infinity.
    float[] huge = new float[9];
    java.util.Arrays.fill(huge, Float.MAX_VALUE);
    assertThat(FiniteValues.nonFinite(Nd4j.createFromArray(huge))).isNull();
  }
}
