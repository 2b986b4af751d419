package io.solstice.reactive.callbacks;

import io.solstice.core.RunPosition;
import io.solstice.reactive.RunControl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;

/**
 * The control of a run that does not exist, for feeding a subscriber hand-made events: it
 * records the stop requests and the announced checkpoints.
 */
final class StubRun implements RunControl {

  private final List<String> stops = new ArrayList<>();
  private final List<Path> announced = new ArrayList<>();

  @Override
  public long id() {
    return -1;
  }

  @Override
  public void stop(String reason) {
    stops.add(reason);
  }

  @Override
  public boolean isStopping() {
    return !stops.isEmpty();
  }

  @Override
  public void checkpointWritten(Path path, RunPosition position) {
    announced.add(path);
  }

  @Override
  public Mono<Void> terminated() {
    return Mono.empty();
  }

  /** The reasons given to {@link #stop}, in order. */
  List<String> stops() {
    return stops;
  }

  /** The checkpoints announced, in order. */
  List<Path> announced() {
    return announced;
  }
}
