package io.solstice.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.TensorBatch;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

class DigitsDatasetTest {

  @Test
  void readsAllRowsOfTheStoredDataSetWithEveryDigitPresent() {
    DigitsDataset all = Digits.all();

    assertThat(all.size()).isEqualTo(1797);
    int[] counts = new int[10];
    IntStream.range(0, all.size()).forEach(i -> counts[all.label(i)]++);
    // scikit-learn documents about 180 images per class.
    assertThat(IntStream.of(counts).boxed().toList()).allSatisfy(count -> assertThat(count).isBetween(170, 190));
  }

  @Test
  void scalesPixelsToTheUnitIntervalAndKeepsLabelsAsClassIndices() {
    try (TensorBatch batch = Digits.all().asBatch()) {
      assertThat(batch.features().shape()).containsExactly(1797, 64);
      assertThat(batch.features().dataType()).isEqualTo(DataType.FLOAT);
      assertThat(batch.features().minNumber().doubleValue()).isEqualTo(0.0);
      assertThat(batch.features().maxNumber().doubleValue()).isEqualTo(1.0);
      assertThat(batch.labels().shape()).containsExactly(1797);
      assertThat(batch.labels().getInt(0)).isZero();
      assertThat(batch.labels().getInt(1)).isEqualTo(1);
    }
  }

  @Test
  void splitIsDisjointCompleteAndTheSameForTheSameSeed() {
    DigitsDataset.Split split = Digits.all().split(0.2, 7);
    DigitsDataset.Split again = Digits.all().split(0.2, 7);
    DigitsDataset.Split other = Digits.all().split(0.2, 8);

    assertThat(split.test().size()).isEqualTo(359);
    assertThat(split.train().size()).isEqualTo(1797 - 359);
    assertThat(split.train().asBatch().features()).isEqualTo(again.train().asBatch().features());
    assertThat(split.train().asBatch().features())
        .isNotEqualTo(other.train().asBatch().features());
    double sumAll = Digits.all().asBatch().features().sumNumber().doubleValue();
    double sumParts =
        split.train().asBatch().features().sumNumber().doubleValue()
            + split.test().asBatch().features().sumNumber().doubleValue();
    assertThat(sumParts).isCloseTo(sumAll, org.assertj.core.data.Offset.offset(1e-2));
  }

  @Test
  void aFractionThatRoundsToNoRowsIsRefused() {
    DigitsDataset all = DigitsDataset.bundled();
    assertThatThrownBy(() -> all.split(0.0002, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a fraction of 2.0E-4 of 1797 rows leaves the test set empty");
    assertThatThrownBy(() -> all.split(0.9998, 1)).hasMessageContaining("leaves the train set empty");
    assertThat(all.split(0.001, 1).test().size()).isEqualTo(2);
  }

  @Test
  void batchesCoverTheSetInOrderWithARemainder() {
    DigitsDataset train = Digits.split().train();
    List<TensorBatch> batches = train.batches(100);

    assertThat(batches).hasSize((train.size() + 99) / 100);
    assertThat(batches.get(0).rows()).isEqualTo(100);
    assertThat(batches.get(batches.size() - 1).rows()).isEqualTo(train.size() % 100);
    assertThat(batches.get(1).labels().getInt(0)).isEqualTo(train.label(100));
  }

  @Test
  void readsPlainCsvAndRejectsMalformedRowsByLine() {
    String row = "0,".repeat(64) + "3\n";
    DigitsDataset plain =
        DigitsDataset.read(new ByteArrayInputStream(row.getBytes(StandardCharsets.US_ASCII)));
    assertThat(plain.size()).isEqualTo(1);
    assertThat(plain.label(0)).isEqualTo(3);

    String shortRow = row + "1,2,3\n";
    assertThatThrownBy(
            () -> DigitsDataset.read(new ByteArrayInputStream(shortRow.getBytes(StandardCharsets.US_ASCII))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("65");
    String badLabel = "0,".repeat(64) + "12\n";
    assertThatThrownBy(
            () -> DigitsDataset.read(new ByteArrayInputStream(badLabel.getBytes(StandardCharsets.US_ASCII))))
        .hasMessageContaining("label 12.0 is not a digit");
    String nanPixel = "NaN," + "0,".repeat(63) + "3\n";
    assertThatThrownBy(
            () -> DigitsDataset.read(new ByteArrayInputStream(nanPixel.getBytes(StandardCharsets.US_ASCII))))
        .hasMessageContaining("line 1, column 0: pixel NaN is outside 0..16");
  }
}
