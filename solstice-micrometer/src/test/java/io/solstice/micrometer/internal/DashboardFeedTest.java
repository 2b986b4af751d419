package io.solstice.micrometer.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.solstice.core.Mode;
import io.solstice.core.data.DigitsDataset;
import io.solstice.core.models.MlpClassifier;
import io.solstice.reactive.Solstice;
import io.solstice.reactive.TrainingEvent;
import io.solstice.reactive.TrainingSubscriber;
import io.solstice.reactive.fixtures.StopAt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import reactor.core.publisher.Flux;

/** The dashboard's epoch points, from a real run's epoch ends. */
class DashboardFeedTest {

  private static final DigitsDataset.Split DIGITS = DigitsDataset.bundled().split(0.2, 7);

  @Test
  void anEpochCutShortByAStopIsAPointOfItsOwnKind() {
    List<TrainingEvent<Object, Object>> epochEnds = new ArrayList<>();
    TrainingSubscriber<Object, Object> keepEpochEnds = event -> {
      if (event instanceof TrainingEvent.EpochEnded<?, ?>) {
        epochEnds.add(event);
      }
    };
    // Val steps 0..5 validate epoch 0; the stop after val step 6 cuts epoch 1's validation short.
    Solstice.run(MlpClassifier.builder().inputs(DigitsDataset.FEATURES).hidden(16)
            .classes(DigitsDataset.CLASSES).updater(new Adam(3e-3)).seed(11).build())
        .train(Flux.defer(() -> Flux.fromIterable(DIGITS.train().batches(64))))
        .validate(Flux.defer(() -> Flux.fromIterable(DIGITS.test().batches(64))))
        .epochs(2)
        .subscribers(StopAt.stepEnd(Mode.VAL, 6), keepEpochEnds)
        .block();
    List<String> points = new ArrayList<>();

    new DashboardFeed(Duration.ofSeconds(1), System.nanoTime(), Map::of, point -> points.add(point.toString()))
        .points(Flux.fromIterable(epochEnds)).blockLast();

    assertThat(points).extracting(p -> text(p, "kind") + " " + text(p, "mode"))
        .containsExactly("epoch train", "epoch val", "epoch train", "epoch_cut_short val");
  }

  /** A string field of a point. */
  private static String text(String point, String field) {
    Matcher value = Pattern.compile("\"" + field + "\":\"([^\"]*)\"").matcher(point);
    assertThat(value.find()).as("%s in %s", field, point).isTrue();
    return value.group(1);
  }
}
