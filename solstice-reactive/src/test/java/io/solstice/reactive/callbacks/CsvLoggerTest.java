package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.RunOutcome;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.metrics.MetricGroup;
import io.solstice.core.metrics.Metrics;
import io.solstice.core.testing.CountingExperiment;
import io.solstice.core.testing.FakeLoop;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV rows per logged window and epoch, a header that widens safely, and a valid PNG. */
class CsvLoggerTest {

  @TempDir Path dir;

  @Test
  void writesOneRowPerWindowAndEpochAndAPngAtTheEnd() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    Path png = dir.resolve("curves.png");
    CsvLogger<CountingExperiment, Integer, MeanMetric> logger =
        CsvLogger.<CountingExperiment, Integer, MeanMetric>to(csv).everySteps(5).plotAtEnd(png).plotKeys("x").build();

    new FakeLoop<>(CountingExperiment.batches(10), CountingExperiment.batches(3), List.of(logger))
        .run(new CountingExperiment(), 2);

    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).containsExactly(
        "mode,epoch,kind,step,train_step,steps,x",
        "train,0,window,5,5,5,2.0",
        "train,0,window,10,10,5,7.0",
        "train,0,epoch,10,10,10,4.5",
        "val,0,epoch,3,10,3,1.0",
        "train,1,window,15,15,5,12.0",
        "train,1,window,20,20,5,17.0",
        "train,1,epoch,20,20,10,14.5",
        // Val windows run across val epochs too: val steps 0..4 end in val epoch 1.
        "val,1,window,5,20,5,2.0",
        "val,1,epoch,6,20,3,4.0");
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isPositive();
    assertThat(image.getHeight()).isPositive();
    assertThat(distinctColours(image)).as("curves drawn, not a blank image").isGreaterThan(3);
  }

  @Test
  void aRunThatLogsNothingKeepsThePlotItFound() throws IOException {
    Path png = Files.write(dir.resolve("curves.png"), new byte[] {1, 2, 3});
    CsvLogger<CountingExperiment, Integer, MeanMetric> logger = CsvLogger
        .<CountingExperiment, Integer, MeanMetric>to(dir.resolve("metrics.csv")).plotAtEnd(png).build();

    logger.onRunEnd(new CountingExperiment(), RunOutcome.COMPLETED);

    assertThat(Files.readAllBytes(png)).containsExactly(1, 2, 3);
  }

  @Test
  void aKeyThatAppearsLaterWidensTheHeaderAndEarlierRowsGetEmptyCells() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    CsvLogger<Object, Object, Metrics<?>> logger = CsvLogger.<Object, Object, Metrics<?>>to(csv).build();

    logger.onEpochStart(null, 0, Mode.TRAIN);
    logger.onStepEnd(MeanMetric.of("loss", 1.0), null, 0, Mode.TRAIN, null);
    logger.onEpochEnd(null, 0, Mode.TRAIN);
    logger.onEpochStart(null, 1, Mode.TRAIN);
    logger.onStepEnd(MetricGroup.of(MeanMetric.of("loss", 0.5), MeanMetric.of("grad,norm", 2.0)), null, 1, Mode.TRAIN, null);
    logger.onEpochEnd(null, 1, Mode.TRAIN);
    logger.onEpochStart(null, 2, Mode.TRAIN);
    logger.onStepEnd(MetricGroup.of(MeanMetric.of("loss", 0.25), MeanMetric.of("grad,norm", 1.0)), null, 2, Mode.TRAIN, null);
    logger.onEpochEnd(null, 2, Mode.TRAIN);

    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,loss,\"grad,norm\"",
        "train,0,epoch,1,1,1,1.0,",
        "train,1,epoch,2,2,1,0.5,2.0",
        "train,2,epoch,3,3,1,0.25,1.0");
  }

  @Test
  void writesThePlotOnDemandDuringTheRun() throws IOException {
    CsvLogger<Object, Object, MeanMetric> logger = CsvLogger.<Object, Object, MeanMetric>to(dir.resolve("m.csv")).build();
    logger.onEpochStart(null, 0, Mode.VAL);
    logger.onStepEnd(MeanMetric.of("val_accuracy", 0.5), null, 0, Mode.VAL, null);
    logger.onEpochEnd(null, 0, Mode.VAL);

    Path png = dir.resolve("now.png");
    logger.writePlot(png);
    logger.onRunEnd(null, RunOutcome.COMPLETED);

    assertThat(ImageIO.read(png.toFile())).isNotNull();
  }

  private static int distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
