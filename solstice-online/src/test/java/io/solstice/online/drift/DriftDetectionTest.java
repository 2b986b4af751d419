package io.solstice.online.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.core.NamedArrays;
import io.solstice.core.RunPosition;
import io.solstice.core.checkpoint.CheckpointManifest;
import io.solstice.core.checkpoint.CheckpointStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** The detection operator's signals, and exact resume of every detector from a checkpoint. */
class DriftDetectionTest {
  private static final double[] ERRORS = ErrorStreams.bernoulli(
      60_000, new int[] {20_000, 40_000}, new double[] {0.1, 0.35, 0.15}, 5);

  private static final List<Supplier<DriftDetector>> DETECTORS =
      List.of(Adwin::new, () -> Adwin.twoSided(0.002), PageHinkley::new, Ddm::new);

  @Test
  void operatorEmitsEachDriftAtItsPositionAndEachWarningOnceOnEntry() {
    for (Supplier<DriftDetector> factory : DETECTORS) {
      DriftDetector direct = factory.get();
      List<DriftSignal> expected = new ArrayList<>();
      DriftState previous = DriftState.STABLE;
      for (int i = 0; i < ERRORS.length; i++) {
        DriftState state = direct.update(ERRORS[i]);
        if (state == DriftState.DRIFT || (state == DriftState.WARNING && previous != DriftState.WARNING)) {
          expected.add(new DriftSignal(direct.name(), state, i, direct.estimate()));
        }
        previous = state;
      }
      List<DriftSignal> signals =
          values(ERRORS).transform(DriftDetection.signals(factory.get())).collectList().block();
      assertThat(signals).isEqualTo(expected);
      // Both real changes are found within 2,000 rows.
      assertThat(signals).filteredOn(DriftSignal::isDrift)
          .anySatisfy(s -> assertThat(s.position()).isBetween(20_000L, 22_000L));
    }
    List<DriftSignal> ddm = values(ERRORS).transform(DriftDetection.signals(new Ddm())).collectList().block();
    assertThat(ddm).anyMatch(s -> s.state() == DriftState.WARNING);
  }

  @Test
  void upstreamErrorsAndCancellationPassThrough() {
    StepVerifier.create(Flux.<Double>concat(values(ERRORS), Flux.error(new IllegalStateException("source failed")))
            .transform(DriftDetection.signals(new Adwin())))
        .thenConsumeWhile(s -> true)
        .expectErrorMessage("source failed")
        .verify();
    StepVerifier.create(values(ERRORS).transform(DriftDetection.signals(new Adwin())), 1)
        .expectNextMatches(DriftSignal::isDrift)
        .thenCancel()
        .verify();
  }

  @Test
  void everyDetectorResumesExactlyFromACheckpoint(@TempDir Path directory) {
    int cut = 30_001;
    for (Supplier<DriftDetector> factory : DETECTORS) {
      List<DriftSignal> uninterrupted = values(ERRORS)
          .transform(DriftDetection.signals(factory.get())).collectList().block();

      DriftDetector first = factory.get();
      List<DriftSignal> resumed = new ArrayList<>(values(Arrays.copyOfRange(ERRORS, 0, cut))
          .transform(DriftDetection.signals(first)).collectList().block());
      CheckpointStore store = CheckpointStore.open(directory.resolve(first.name() + resumed.size()));
      Path file = store.write(NamedArrays.empty(), CheckpointManifest.at(RunPosition.START)
          .withCallbackStates(Map.of("detector", first.saveState())));

      DriftDetector second = factory.get();
      second.restoreState(CheckpointStore.load(file).manifest().callbackStates().get("detector"));
      assertThat(second.seen()).isEqualTo(cut);
      assertThat(second.estimate()).isEqualTo(first.estimate());
      resumed.addAll(values(Arrays.copyOfRange(ERRORS, cut, ERRORS.length))
          .transform(DriftDetection.signals(second)).collectList().block());

      assertThat(resumed).as(first.name()).isEqualTo(uninterrupted).isNotEmpty();
    }
  }

  @Test
  void aStateOfAnotherConfigurationIsRefused() {
    Adwin increases = new Adwin();
    increases.update(1);
    assertThatThrownBy(() -> Adwin.twoSided(0.002).restoreState(increases.saveState()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Ddm().restoreState(Map.of("seen", 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'n'");
  }

  private static Flux<Double> values(double[] values) {
    return Flux.fromStream(Arrays.stream(values).boxed());
  }
}
