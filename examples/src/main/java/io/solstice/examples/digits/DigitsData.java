package io.solstice.examples.digits;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPInputStream;

/**
 * The UCI handwritten digits (1,797 images of 8x8 pixels, values 0..16, ten classes), as
 * shipped in this module's resources with their provenance, split into train, validation and
 * test sets with a fixed seed.
 *
 * @param train the training rows
 * @param validation the validation rows
 * @param test the held-out test rows
 */
public record DigitsData(List<Digit> train, List<Digit> validation, List<Digit> test) {

  /** Pixels per image. */
  public static final int PIXELS = 64;

  /** Classes (the digits 0 to 9). */
  public static final int CLASSES = 10;

  private static final String RESOURCE = "/digits/digits.csv.gz";

  /**
   * One image and its label.
   *
   * @param pixels 64 intensities scaled from 0..16 to 0..1
   * @param label the digit shown
   */
  public record Digit(float[] pixels, int label) {}

  /**
   * Loads the shipped data and splits it.
   *
   * @param seed the seed of the shuffle before the split
   * @param validationFraction the share of rows for validation
   * @param testFraction the share of rows held out for testing
   * @return the three sets
   */
  public static DigitsData load(long seed, double validationFraction, double testFraction) {
    if (validationFraction < 0 || testFraction <= 0 || validationFraction + testFraction >= 1) {
      throw new IllegalArgumentException(
          "fractions must leave rows to train on: validation " + validationFraction + ", test " + testFraction);
    }
    List<Digit> rows = readAll();
    Collections.shuffle(rows, new Random(seed));
    int testRows = (int) Math.round(rows.size() * testFraction);
    int validationRows = (int) Math.round(rows.size() * validationFraction);
    return new DigitsData(
        List.copyOf(rows.subList(testRows + validationRows, rows.size())),
        List.copyOf(rows.subList(testRows, testRows + validationRows)),
        List.copyOf(rows.subList(0, testRows)));
  }

  private static List<Digit> readAll() {
    try (InputStream raw = DigitsData.class.getResourceAsStream(RESOURCE)) {
      if (raw == null) {
        throw new IllegalStateException("resource " + RESOURCE + " is missing from the classpath");
      }
      BufferedReader reader =
          new BufferedReader(new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
      List<Digit> rows = new ArrayList<>();
      String line;
      while ((line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          rows.add(parse(line, rows.size() + 1));
        }
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  private static Digit parse(String line, int lineNumber) {
    String[] cells = line.split(",");
    if (cells.length != PIXELS + 1) {
      throw new IllegalStateException(
          RESOURCE + " line " + lineNumber + " has " + cells.length + " cells, expected " + (PIXELS + 1));
    }
    float[] pixels = new float[PIXELS];
    for (int i = 0; i < PIXELS; i++) {
      pixels[i] = Float.parseFloat(cells[i]) / 16f;
    }
    return new Digit(pixels, (int) Float.parseFloat(cells[PIXELS]));
  }
}
