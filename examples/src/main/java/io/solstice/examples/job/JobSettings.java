package io.solstice.examples.job;

import io.solstice.examples.data.OutputFiles;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How a training job trains and where it writes.
 *
 * @param epochs the most epochs to train
 * @param hidden the hidden layer sizes of the MLP
 * @param learningRate Adam's learning rate
 * @param weightDecay the decoupled weight decay (AdamW), 0 for none
 * @param seed the seed of the model's initialisation
 * @param patience epochs without a better validation loss before stopping
 * @param maxSteps stop after this many train steps of the whole run (0: no limit)
 * @param checkpointDir where checkpoints go
 * @param metricsCsv the per-epoch metrics CSV
 * @param curvesPng the learning-curve plot
 * @param report the JSON report, or null for none
 * @param resume whether to continue from the latest checkpoint in {@code checkpointDir}
 * @param output how the job writes its run record and report
 * @param record the command and its options, saved in {@code run.json} and every checkpoint
 */
public record JobSettings(
    int epochs,
    int[] hidden,
    double learningRate,
    double weightDecay,
    long seed,
    int patience,
    long maxSteps,
    Path checkpointDir,
    Path metricsCsv,
    Path curvesPng,
    Path report,
    boolean resume,
    OutputFiles output,
    RunRecord record) {

  /**
   * Validates the fields.
   *
   * @param epochs see the record
   * @param hidden see the record
   * @param learningRate see the record
   * @param weightDecay see the record
   * @param seed see the record
   * @param patience see the record
   * @param maxSteps see the record
   * @param checkpointDir see the record
   * @param metricsCsv see the record
   * @param curvesPng see the record
   * @param report see the record
   * @param resume see the record
   * @param output see the record
   * @param record see the record
   */
  public JobSettings {
    Objects.requireNonNull(output, "output");
    Objects.requireNonNull(record, "record");
    Objects.requireNonNull(checkpointDir, "checkpointDir");
    Objects.requireNonNull(metricsCsv, "metricsCsv");
    Objects.requireNonNull(curvesPng, "curvesPng");
    hidden = hidden.clone();
  }
}
