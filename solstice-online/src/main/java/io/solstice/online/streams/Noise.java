package io.solstice.online.streams;

import java.util.Random;

/** Label noise as the stream literature (and MOA) draws it: one {@code nextInt(100)} per row. */
final class Noise {
  private Noise() {}

  /** Flips a binary label with probability {@code percent}/100. */
  static int flip(Random random, int percent, int label) {
    return 1 + random.nextInt(100) <= percent ? 1 - label : label;
  }
}
