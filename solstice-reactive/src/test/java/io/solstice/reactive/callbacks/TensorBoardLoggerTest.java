package io.solstice.reactive.callbacks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.solstice.core.Mode;
import io.solstice.core.RunPosition;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.fixtures.StopAt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/**
 * TensorBoard event files from a real digits run, read back by the test's own TFRecord reader
 * and protobuf's parser: every scalar equals the value the {@link CsvLogger} of the same run
 * wrote, in the directory of its mode, under its tag, at its step.
 */
class TensorBoardLoggerTest {

  private static final List<TensorBatch> DIGITS = DigitsDataset.bundled().batches(64);
  private static final List<TensorBatch> TRAIN = DIGITS.subList(0, 6);
  private static final List<TensorBatch> VAL = DIGITS.subList(6, 8);
  private static final List<TensorBatch> TEST = DIGITS.subList(8, 10);

  @TempDir Path dir;

  /** A scalar as the test expects it or found it: mode directory, tag, step and value. */
  record Point(String directory, String tag, long step, float value) {}

  private static MlpClassifier fresh() {
    return MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(16)
        .classes(DigitsDataset.CLASSES).updater(new Adam(1e-2)).seed(7).build();
  }

  @Test
  void everyScalarEqualsTheCsvValueOfTheSameRun() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    Path board = dir.resolve("tensorboard");
    CsvLogger rows = CsvLogger.to(csv).everySteps(2).build();
    TensorBoardLogger scalars = TensorBoardLogger.to(board).everySteps(2).build();

    MlpClassifier trained = Solstice.run(fresh())
        .train(Flux.fromIterable(TRAIN)).validate(Flux.fromIterable(VAL)).epochs(3)
        .subscribers(rows, scalars)
        .block();
    Solstice.run(trained).test(Flux.fromIterable(TEST)).subscribers(rows, scalars).metrics().block();

    List<Point> expected = fromCsv(csv);
    List<Point> written = fromEventFiles(board);
    assertThat(expected).as("train, val and test rows, windows and epochs")
        .extracting(Point::directory).contains("train", "validation", "test");
    assertThat(expected).extracting(Point::tag).contains("step/loss", "epoch/loss", "epoch/accuracy");
    assertThat(written).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void anEpochCutShortIsWrittenApartFromTheEpochCurves() throws IOException {
    Path csv = dir.resolve("metrics.csv");
    Path board = dir.resolve("tensorboard");
    CsvLogger rows = CsvLogger.to(csv).build();
    TensorBoardLogger scalars = TensorBoardLogger.to(board).build();

    // Two val batches per validation: the stop after val step 2 cuts epoch 1's short.
    Solstice.run(fresh())
        .train(Flux.fromIterable(TRAIN)).validate(Flux.fromIterable(VAL)).epochs(2)
        .subscribers(StopAt.stepEnd(Mode.VAL, 2), rows, scalars)
        .block();

    List<Point> written = fromEventFiles(board);
    assertThat(written).filteredOn(p -> p.directory().equals("validation"))
        .extracting(Point::tag, Point::step)
        .contains(tuple("epoch/loss", 0L), tuple("epoch_cut_short/loss", 1L))
        .doesNotContain(tuple("epoch/loss", 1L));
    assertThat(written).containsExactlyInAnyOrderElementsOf(fromCsv(csv));
  }

  @Test
  void eachRunWritesItsOwnFileStartingWithTheFileVersion() throws IOException {
    Path board = dir.resolve("tensorboard");
    TensorBoardLogger scalars = TensorBoardLogger.to(board).build();

    MlpClassifier first = Solstice.run(fresh()).train(Flux.fromIterable(TRAIN)).epochs(1)
        .subscribers(scalars).block();
    // A resumed run: epoch 1 continues the curve in a second file of the same directory.
    Solstice.run(first).train(Flux.fromIterable(TRAIN)).epochs(2)
        .resumeFrom(new RunPosition(1, 0, TRAIN.size(), 0))
        .subscribers(scalars).block();

    List<Path> files = eventFiles(board.resolve("train"));
    assertThat(files).hasSize(2);
    List<Long> epochs = new ArrayList<>();
    for (Path file : files) {
      List<TfRecordReader.Event> events = TfRecordReader.events(file);
      assertThat(events.get(0).fileVersion()).isEqualTo("brain.Event:2");
      assertThat(events.get(0).scalars()).isEmpty();
      events.subList(1, events.size()).forEach(event -> {
        assertThat(event.wallTime()).isGreaterThan(1.6e9);
        assertThat(event.scalars()).hasSize(1);
      });
      events.stream().skip(1).map(TfRecordReader.Event::step).distinct().forEach(epochs::add);
    }
    assertThat(epochs).containsExactlyInAnyOrder(0L, 1L);
    assertThat(board.resolve("validation")).doesNotExist();

    // A fresh run in the same place deletes the event files, and only them.
    Path other = Files.writeString(board.resolve("train").resolve("notes.txt"), "kept");
    assertThat(TensorBoardLogger.deleteEventFiles(board)).isEqualTo(2);
    assertThat(eventFiles(board.resolve("train"))).isEmpty();
    assertThat(other).exists();
  }

  @Test
  void aPrequentialRunAlsoWritesItsCumulativeWindowAndFadingEvaluationEveryNTrainSteps() throws IOException {
    Path board = dir.resolve("tensorboard");
    TensorBoardLogger scalars = TensorBoardLogger.to(board).everySteps(3).build();
    List<Point> expected = new ArrayList<>();

    Solstice.run(fresh()).train(Flux.fromIterable(DIGITS.subList(0, 20))).maxSteps(12)
        .prequential(4, 0.9)
        .subscribers(scalars)
        .steps()
        .filter(step -> (step.globalStep() + 1) % 3 == 0)
        .doOnNext(step -> {
          var prequential = step.prequential();
          prequential.cumulative().compute().forEach((key, value) ->
              expected.add(new Point("train", "prequential/cumulative/" + key, step.globalStep() + 1, (float) (double) value)));
          prequential.window().compute().forEach((key, value) ->
              expected.add(new Point("train", "prequential/window/" + key, step.globalStep() + 1, (float) (double) value)));
          prequential.fading().forEach((key, value) ->
              expected.add(new Point("train", "prequential/fading/" + key, step.globalStep() + 1, (float) (double) value)));
        })
        .blockLast();

    List<Point> prequential = fromEventFiles(board).stream().filter(p -> p.tag().startsWith("prequential/")).toList();
    assertThat(expected).extracting(Point::tag).contains("prequential/fading/accuracy", "prequential/window/loss");
    assertThat(expected).extracting(Point::step).containsOnly(3L, 6L, 9L, 12L);
    assertThat(prequential).containsExactlyInAnyOrderElementsOf(expected);
  }

  private static List<Point> fromCsv(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = Arrays.asList(lines.get(0).split(",", -1));
    List<Point> points = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      Mode mode = Arrays.stream(Mode.values()).filter(m -> m.label().equals(cells[0])).findFirst().orElseThrow();
      // kind is window, epoch or epoch_cut_short, and an epoch's tags start with its kind.
      boolean epoch = cells[2].startsWith("epoch");
      long step = Long.parseLong(epoch ? cells[1] : cells[3]);
      for (int column = 6; column < cells.length; column++) {
        if (!cells[column].isEmpty()) {
          points.add(new Point(TensorBoardLogger.directoryOf(mode), (epoch ? cells[2] : "step") + "/" + header.get(column),
              step, (float) Double.parseDouble(cells[column])));
        }
      }
    }
    return points;
  }

  private static List<Point> fromEventFiles(Path board) throws IOException {
    List<Point> points = new ArrayList<>();
    for (String mode : List.of("train", "validation", "test")) {
      for (Path file : eventFiles(board.resolve(mode))) {
        for (TfRecordReader.Event event : TfRecordReader.events(file)) {
          event.scalars().forEach(s -> points.add(new Point(mode, s.tag(), event.step(), s.value())));
        }
      }
    }
    return points;
  }

  private static List<Path> eventFiles(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files.filter(f -> f.getFileName().toString().contains("tfevents")).sorted().toList();
    }
  }
}
