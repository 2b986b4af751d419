package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.Experiment;
import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.Step;
import io.solstice.core.metrics.MeanMetric;
import io.solstice.core.metrics.MetricGroup;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.CountingBatch;
import io.solstice.reactive.fixtures.CountingExperiment;
import io.solstice.reactive.fixtures.Ledger;
import io.solstice.reactive.fixtures.LogCapture;
import io.solstice.reactive.fixtures.Sources;
import io.solstice.reactive.fixtures.StopAt;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CSV rows per logged window and epoch, a header that widens safely, and a valid PNG, from real
 * runs (the experiment's output "id" is the step's number in its mode, see {@link
 * LoggingCallbackTest}).
 */
class CsvLoggerTest {

  @TempDir Path dir;

  private final Ledger train = new Ledger();
  private final Ledger val = new Ledger();

  @Test
  void writesOneRowPerWindowAndEpochAndAPngAtTheEnd() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    Path png = dir.resolve("curves.png");
    CsvLogger logger = CsvLogger.to(csv).everySteps(5).plotAtEnd(png).plotKeys("id").build();

    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 10)).validate(Sources.counting(val, 3)).epochs(2)
        .subscribers(logger)
        .block();

    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).containsExactly(
        "mode,epoch,kind,step,train_step,steps,id",
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
    assertThat(logger.rows()).hasSize(9);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).isNotNull();
    assertThat(image.getWidth()).isPositive();
    assertThat(image.getHeight()).isPositive();
    assertThat(distinctColours(image)).as("curves drawn, not a blank image").isGreaterThan(3);
  }

  @Test
  void aRunThatLogsNothingKeepsThePlotItFound() throws IOException {
    Path png = Files.write(dir.resolve("curves.png"), new byte[] {1, 2, 3});
    Path csv = dir.resolve("metrics.csv");
    CsvLogger logger = CsvLogger.to(csv).plotAtEnd(png).build();

    // A resume of a finished one-epoch run: it starts at epoch 1 and trains nothing.
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(train, 4)).epochs(1)
        .resumeFrom(new RunPosition(1, 0, 4, 0))
        .subscribers(logger)
        .block();

    assertThat(Files.readAllBytes(png)).containsExactly(1, 2, 3);
    assertThat(csv).doesNotExist();
  }

  @Test
  void aResumedRunThatFindsAFileItCannotReadBackReplacesItAndSaysSo() throws IOException {
    Path csv = Files.writeString(dir.resolve("metrics.csv"), "name,value\nx,1\n");
    CsvLogger logger = CsvLogger.to(csv).build();

    String log = LogCapture.during(() -> Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), 4)).epochs(2)
        .resumeFrom(new RunPosition(1, 0, 4, 0))
        .subscribers(logger)
        .block());

    assertThat(log).contains("WARN solstice - CsvLogger cannot continue " + csv)
        .contains("is not a metrics CSV");
    // A new ledger: the resumed run's batch ids start again at 0.
    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,id",
        "train,1,epoch,8,8,4,1.5");
  }

  @Test
  void aResumedRunKeepsTheRowsBeforeItsPositionAndDropsTheRest() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(train, 4)).epochs(3)
        .subscribers(CsvLogger.to(csv).everySteps(2).build())
        .block();

    // As if the process died after step 9 and its last checkpoint was the one after epoch 0.
    String log = LogCapture.during(() -> Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(new Ledger(), 4)).epochs(2)
        .resumeFrom(new RunPosition(1, 0, 4, 0))
        .subscribers(CsvLogger.to(csv).everySteps(2).build())
        .block());

    assertThat(log).contains("CsvLogger continues " + csv + " at train step 4: 3 rows kept, 6 past it dropped");
    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,id",
        "train,0,window,2,2,2,0.5",
        "train,0,window,4,4,2,2.5",
        "train,0,epoch,4,4,4,1.5",
        // The resumed run's rows (a new ledger: its batch ids start again at 0).
        "train,1,window,6,6,2,0.5",
        "train,1,window,8,8,2,2.5",
        "train,1,epoch,8,8,4,1.5");
  }

  @Test
  void thePlotAtTheEndIsDrawnForEachRunThatLoggedARowWhateverItsOutcome() throws IOException {
    Path png = dir.resolve("curves.png");
    CsvLogger logger = CsvLogger.to(dir.resolve("metrics.csv")).plotAtEnd(png).build();
    TrainingSubscriber<Object, Object> failInEpochOne = event -> {
      if (event instanceof TrainingEvent.EpochStarted<Object, Object> start && start.epoch() == 1) {
        throw new IllegalStateException("disk full");
      }
    };

    assertThatThrownBy(() -> Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 3)).epochs(2)
        .subscribers(logger, failInEpochOne)
        .block())
        .hasRootCauseMessage("disk full");
    assertThat(ImageIO.read(png.toFile())).as("drawn after the failed run's epoch 0").isNotNull();

    // The same logger, a later run that logs nothing: the plot is left as it is.
    Files.write(png, new byte[] {1, 2, 3});
    Solstice.run(CountingExperiment.fresh()).train(Sources.counting(train, 3)).epochs(1)
        .resumeFrom(new RunPosition(1, 0, 3, 0))
        .subscribers(logger)
        .block();
    assertThat(Files.readAllBytes(png)).containsExactly(1, 2, 3);
    assertThat(logger.rows()).hasSize(1);
  }

  @Test
  void anEpochCutShortByAStopIsARowOfItsOwnKind() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    CsvLogger logger = CsvLogger.to(csv).build();

    // Val steps 0 and 1 validate epoch 0; the stop after val step 2 cuts epoch 1's short.
    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 2)).validate(Sources.counting(val, 2)).epochs(2)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), logger)
        .block();

    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,id",
        "train,0,epoch,2,2,2,0.5",
        "val,0,epoch,2,2,2,0.5",
        "train,1,epoch,4,4,2,2.5",
        "val,1,epoch_cut_short,3,4,1,2.0");
    assertThat(logger.rows()).extracting(LoggedMetrics::complete).containsExactly(true, true, true, false);
  }

  @Test
  void aStepCadenceValidationCutShortCountsTheValStepsThatRan() throws IOException {
    Path csv = dir.resolve("metrics.csv");

    // Validations after train steps 3 and 6; the stop after val step 2 cuts the second short,
    // and with it the train epoch.
    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 8)).validate(Sources.counting(val, 2)).validateEverySteps(3)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), CsvLogger.to(csv).build())
        .block();

    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,id",
        "val,0,epoch,2,3,2,0.5",
        "val,0,epoch_cut_short,3,6,1,2.0",
        "train,0,epoch_cut_short,6,6,6,2.5");
  }

  @Test
  void thePlotLeavesOutAnEpochCutShort() throws IOException {
    Path png = dir.resolve("curves.png");
    CsvLogger logger = CsvLogger.to(dir.resolve("metrics.csv")).plotAtEnd(png).plotKeys("id").build();

    // The run's only validation is stopped after its first step.
    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 2)).validate(Sources.counting(val, 3)).epochs(1)
        .subscribers(StopAt.stepEnd(Mode.VAL, 0), logger)
        .block();

    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(pixelsOf(image, new Color(31, 119, 180))).as("the train curve").isPositive();
    assertThat(pixelsOf(image, new Color(255, 127, 14))).as("a val curve").isZero();
  }

  /** Outputs whose keys change from step to step: "loss", then "loss" and "grad,norm". */
  record KeysAppearLater(long steps) implements Experiment<KeysAppearLater, CountingBatch, MetricGroup> {
    @Override
    public Step<KeysAppearLater, MetricGroup> trainStep(CountingBatch batch) {
      MetricGroup outputs = switch ((int) steps) {
        case 0 -> MetricGroup.of(MeanMetric.of("loss", 1.0));
        case 1 -> MetricGroup.of(MeanMetric.of("loss", 0.5), MeanMetric.of("grad,norm", 2.0));
        default -> MetricGroup.of(MeanMetric.of("loss", 0.25), MeanMetric.of("grad,norm", 1.0));
      };
      return Step.of(new KeysAppearLater(steps + 1), outputs);
    }

    @Override
    public Step<KeysAppearLater, MetricGroup> evalStep(CountingBatch batch) {
      throw new UnsupportedOperationException("not validated");
    }
  }

  @Test
  void aKeyThatAppearsLaterWidensTheHeaderAndEarlierRowsGetEmptyCells() throws IOException {
    Path csv = dir.resolve("metrics.csv");

    Solstice.run(new KeysAppearLater(0)).train(Sources.counting(train, 1)).epochs(3)
        .subscribers(CsvLogger.to(csv).build())
        .block();

    assertThat(Files.readAllLines(csv)).containsExactly(
        "mode,epoch,kind,step,train_step,steps,loss,\"grad,norm\"",
        "train,0,epoch,1,1,1,1.0,",
        "train,1,epoch,2,2,1,0.5,2.0",
        "train,2,epoch,3,3,1,0.25,1.0");
  }

  @Test
  void writesThePlotOnDemandDuringTheRun() throws IOException {
    CsvLogger logger = CsvLogger.to(dir.resolve("m.csv")).build();
    Path png = dir.resolve("now.png");
    List<Integer> rowsWhenDrawn = new CopyOnWriteArrayList<>();
    TrainingSubscriber<Object, Object> drawAfterValidation = event -> {
      if (event instanceof TrainingEvent.ValidationEnded<Object, Object>) {
        rowsWhenDrawn.add(logger.rows().size());
        logger.writePlot(png);
      }
    };

    Solstice.run(CountingExperiment.fresh())
        .train(Sources.counting(train, 2)).validate(Sources.counting(val, 2)).epochs(2)
        .subscribers(logger, drawAfterValidation)
        .block();

    assertThat(rowsWhenDrawn).as("train and val rows of epoch 0, then of epoch 1")
        .containsExactly(2, 4);
    assertThat(ImageIO.read(png.toFile())).isNotNull();
  }

  @Test
  void aLoggerThatWouldLogNothingIsRefused() {
    assertThatThrownBy(() -> CsvLogger.to(dir.resolve("m.csv")).atEpochEnd(false).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("CsvLogger logs nothing");
  }

  private static int pixelsOf(BufferedImage image, Color colour) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        count += (image.getRGB(x, y) & 0xFFFFFF) == (colour.getRGB() & 0xFFFFFF) ? 1 : 0;
      }
    }
    return count;
  }

  private static int distinctColours(BufferedImage image) {
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
