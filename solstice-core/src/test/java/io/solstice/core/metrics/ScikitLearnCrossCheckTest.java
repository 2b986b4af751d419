package io.solstice.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.solstice.core.testing.Python;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ClassificationMetrics} against scikit-learn's own functions on the same labels and
 * predictions, including classes that never occur (the macro averages leave them out as
 * scikit-learn does) and classes that occur only as labels or only as predictions (counted, with
 * zero for the undefined ratio, as {@code zero_division=0}). Skips without python3-sklearn unless
 * {@code SOLSTICE_REQUIRE_SKLEARN=true} (CI).
 */
class ScikitLearnCrossCheckTest {

  private static final String SCRIPT = String.join("\n",
      "import sys, warnings",
      "from sklearn import metrics as m",
      "warnings.simplefilter('ignore')",
      "y = [int(v) for v in sys.argv[1].split(',')]",
      "p = [int(v) for v in sys.argv[2].split(',')]",
      "print('accuracy', m.accuracy_score(y, p))",
      "print('mcc', m.matthews_corrcoef(y, p))",
      "for avg in ('macro', 'weighted'):",
      "    pr, rc, f1, _ = m.precision_recall_fscore_support(y, p, average=avg, zero_division=0)",
      "    print('precision_' + avg, pr); print('recall_' + avg, rc); print('f1_' + avg, f1)",
      "labels = sorted(set(y) | set(p))",
      "pr, rc, f1, sup = m.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)",
      "for k, a, b, c, d in zip(labels, pr, rc, f1, sup):",
      "    print('precision_%d' % k, a); print('recall_%d' % k, b); print('f1_%d' % k, c)",
      "    print('support_%d' % k, d)");

  @ParameterizedTest(name = "{0} classes, {1} rows, seed {2}")
  @CsvSource({"2, 50, 1", "3, 12, 2", "5, 30, 3", "10, 200, 4", "10, 15, 5", "6, 8, 6"})
  void everyValueScikitLearnDefinesIsTheSame(int classes, int rows, long seed) throws IOException {
    Python.assumeScikitLearn();
    Random random = new Random(seed);
    int[] labels = new int[rows];
    int[] predictions = new int[rows];
    // Above two classes the last is never used, and one more is only ever a prediction.
    int used = classes > 2 ? classes - 1 : classes;
    int labelClasses = used > 2 ? used - 1 : used;
    for (int i = 0; i < rows; i++) {
      labels[i] = random.nextInt(labelClasses);
      predictions[i] = random.nextDouble() < 0.5 ? labels[i] : random.nextInt(used);
    }

    Map<String, Double> ours = ClassificationMetrics.of(predictions, labels, 0, classes).compute();
    Python.Result result = Python.run(SCRIPT, joined(labels), joined(predictions));
    assertThat(result.exitCode()).as(result.output()).isZero();
    Map<String, Double> theirs = new HashMap<>();
    result.output().lines().map(line -> line.split(" ")).filter(parts -> parts.length == 2)
        .forEach(parts -> theirs.put(parts[0], Double.parseDouble(parts[1])));

    assertThat(theirs).containsKeys("accuracy", "mcc", "f1_macro", "precision_weighted");
    theirs.forEach((key, value) -> assertThat(ours.get(key)).as(key).isCloseTo(value, within(1e-9)));
  }

  private static String joined(int[] values) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(Collectors.joining(","));
  }
}
