package io.solstice.benchmarks.internal;

import com.yahoo.labs.samoa.instances.Instance;
import com.yahoo.labs.samoa.instances.InstancesHeader;
import java.util.function.Supplier;
import moa.classifiers.AbstractClassifier;
import moa.streams.InstanceStream;

/**
 * MOA's side of the online comparison: a stream's rows made by MOA's own generator and held in
 * memory, and MOA's test-then-train loop over them, one row at a time, as {@code
 * EvaluatePrequential} does without its evaluator: {@code correctlyClassifies(row)} then {@code
 * trainOnInstance(row)}.
 */
public final class MoaPrequential {

  private final InstancesHeader header;
  private final Instance[] rows;

  private MoaPrequential(InstancesHeader header, Instance[] rows) {
    this.header = header;
    this.rows = rows;
  }

  /**
   * Draws {@code count} rows from a prepared MOA stream into memory.
   *
   * @param stream the stream, {@code prepareForUse()} already called
   * @param count how many rows
   * @return the rows
   */
  public static MoaPrequential generate(InstanceStream stream, int count) {
    Instance[] rows = new Instance[count];
    for (int i = 0; i < count; i++) {
      rows[i] = stream.nextInstance().getData();
    }
    return new MoaPrequential(stream.getHeader(), rows);
  }

  /**
   * The rows, in stream order.
   *
   * @return the rows (not copied)
   */
  public Instance[] rows() {
    return rows;
  }

  /**
   * A fresh classifier, prepared for these rows (MOA copies its options when it prepares a
   * learner, which is set-up, not learning).
   *
   * @param fresh makes the classifier, with its options set
   * @return the classifier, ready to learn
   */
  public AbstractClassifier prepare(Supplier<? extends AbstractClassifier> fresh) {
    AbstractClassifier learner = fresh.get();
    learner.prepareForUse();
    learner.setModelContext(header);
    return learner;
  }

  /**
   * Trains a classifier on every row, test then train, and counts the rows it predicted right
   * before learning them.
   *
   * @param learner a classifier from {@link #prepare}
   * @return the correctly predicted rows
   */
  public long correctPredictions(AbstractClassifier learner) {
    long correct = 0;
    for (Instance row : rows) {
      if (learner.correctlyClassifies(row)) {
        correct++;
      }
      learner.trainOnInstance(row);
    }
    return correct;
  }
}
