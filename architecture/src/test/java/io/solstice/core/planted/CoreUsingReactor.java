package io.solstice.core.planted;

import reactor.core.publisher.Flux;

/** Breaks {@code CORE_KNOWS_NEITHER_REACTOR_NOR_ARROW}: core code returning a Flux. */
public final class CoreUsingReactor {
  public Flux<Integer> numbers() {
    return Flux.just(1, 2, 3);
  }
}
