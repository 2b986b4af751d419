package io.solstice.online.drift;

import io.solstice.core.checkpoint.StateValues;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ADWIN, the adaptive sliding window (Bifet and Gavaldà, "Learning from time-changing data with
 * adaptive windowing", SDM 2007), in its ADWIN2 form: the window is kept as an exponential
 * histogram (rows of at most {@code M = 5} buckets of 2^i values, each with its total and
 * variance), and every {@code 32} values each split of the window into an older and a newer part
 * is tested; when their means differ by more than
 * {@code eps = sqrt(2 m v ln(2 ln(n) / delta)) + 2/3 m ln(2 ln(n) / delta)} (with {@code v} the
 * window's variance and {@code m = 1/(n0 - 4) + 1/(n1 - 4)}, the variance-aware bound of the
 * paper's section 4) the oldest bucket is dropped and a drift reported, until no split differs.
 *
 * <p>Parameters are MOA's ({@code moa.classifiers.core.driftdetection.ADWIN}): {@code delta =
 * 0.002}, a check every 32 values once the window holds more than 10, both parts longer than 6.
 * ADWIN has no warning level.
 *
 * <p>Direction: ADWIN itself shrinks its window on any change of the mean. As a detector of
 * drift in an error stream, {@link #Adwin()} reports a drift only when a cut raised the window's
 * mean (the error got worse), as MOA 2024.07's {@code ADWINChangeDetector} does; an error rate
 * that falls (the model recovering) shrinks the window silently. {@link #twoSided(double)} reports
 * every cut, for metric streams where both directions matter.
 */
public final class Adwin implements DriftDetector {
  /** Buckets per row before two merge (the paper's M). */
  private static final int MAX_BUCKETS = 5;
  private static final int CLOCK = 32;
  private static final int MIN_WINDOW = 10;
  private static final int MIN_SUB_WINDOW = 5;

  private final double delta;
  private final boolean increasesOnly;
  /** Row i holds buckets of 2^i values, oldest first. Row 0 is the newest. */
  private final List<Row> rows = new ArrayList<>();
  private long width;
  private double total;
  private double variance;
  private long seen;

  /** ADWIN with the published {@code delta = 0.002}, reporting rises of the mean. */
  public Adwin() {
    this(0.002, true);
  }

  /**
   * ADWIN with another confidence, reporting rises of the mean.
   *
   * @param delta the confidence value, in (0, 1); smaller detects less often
   */
  public Adwin(double delta) {
    this(delta, true);
  }

  /**
   * ADWIN reporting every change of the mean, up or down.
   *
   * @param delta the confidence value, in (0, 1)
   * @return the detector
   */
  public static Adwin twoSided(double delta) {
    return new Adwin(delta, false);
  }

  private Adwin(double delta, boolean increasesOnly) {
    if (!(delta > 0 && delta < 1)) {
      throw new IllegalArgumentException("delta must be in (0, 1), was " + delta);
    }
    this.delta = delta;
    this.increasesOnly = increasesOnly;
    rows.add(new Row());
  }

  @Override
  public String name() {
    return "adwin";
  }

  @Override
  public long seen() {
    return seen;
  }

  @Override
  public double estimate() {
    return width == 0 ? 0 : total / width;
  }

  /**
   * The current window length.
   *
   * @return the number of values in the window
   */
  public long width() {
    return width;
  }

  @Override
  public DriftState update(double value) {
    seen++;
    double before = estimate();
    insert(value);
    boolean cut = false;
    if (seen % CLOCK == 0 && width > MIN_WINDOW) {
      while (cutOnce()) {
        cut = true;
      }
    }
    boolean drift = cut && (!increasesOnly || estimate() > before);
    return drift ? DriftState.DRIFT : DriftState.STABLE;
  }

  private void insert(double value) {
    width++;
    rows.get(0).append(value, 0);
    if (width > 1) {
      double mean = total / (width - 1);
      variance += (width - 1) * (value - mean) * (value - mean) / width;
    }
    total += value;
    compress();
  }

  /** Merges the two oldest buckets of each full row into the next row, as far as needed. */
  private void compress() {
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      if (row.count <= MAX_BUCKETS) {
        return;
      }
      if (i + 1 == rows.size()) {
        rows.add(new Row());
      }
      double size = Math.pow(2, i);
      double u1 = row.totals[0] / size;
      double u2 = row.totals[1] / size;
      double mergedVariance = row.variances[0] + row.variances[1] + size * size * (u1 - u2) * (u1 - u2) / (2 * size);
      rows.get(i + 1).append(row.totals[0] + row.totals[1], mergedVariance);
      row.dropOldest(2);
    }
  }

  /** Tests every split, oldest buckets first; drops the oldest bucket at the first cut. */
  private boolean cutOnce() {
    long n0 = 0;
    long n1 = width;
    double u0 = 0;
    double u1 = total;
    for (int i = rows.size() - 1; i >= 0; i--) {
      Row row = rows.get(i);
      long size = 1L << i;
      for (int k = 0; k < row.count; k++) {
        n0 += size;
        n1 -= size;
        u0 += row.totals[k];
        u1 -= row.totals[k];
        if (i == 0 && k == row.count - 1) {
          return false;
        }
        if (n1 > MIN_SUB_WINDOW + 1 && n0 > MIN_SUB_WINDOW + 1 && differ(n0, n1, u0 / n0 - u1 / n1)) {
          dropOldestBucket();
          return true;
        }
      }
    }
    return false;
  }

  private boolean differ(long n0, long n1, double meanDifference) {
    double dd = Math.log(2 * Math.log(width) / delta);
    double v = variance / width;
    double m = 1.0 / (n0 - MIN_SUB_WINDOW + 1) + 1.0 / (n1 - MIN_SUB_WINDOW + 1);
    double epsilon = Math.sqrt(2 * m * v * dd) + 2.0 / 3 * dd * m;
    return Math.abs(meanDifference) > epsilon;
  }

  private void dropOldestBucket() {
    int last = rows.size() - 1;
    Row row = rows.get(last);
    long size = 1L << last;
    width -= size;
    total -= row.totals[0];
    double u = row.totals[0] / size;
    variance -= row.variances[0] + size * width * (u - total / width) * (u - total / width) / (size + width);
    row.dropOldest(1);
    if (row.count == 0 && rows.size() > 1) {
      rows.remove(last);
    }
  }

  @Override
  public Map<String, Object> saveState() {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("delta", delta);
    state.put("increasesOnly", increasesOnly ? 1 : 0);
    state.put("seen", seen);
    state.put("width", width);
    state.put("total", total);
    state.put("variance", variance);
    List<Object> saved = new ArrayList<>();
    for (Row row : rows) {
      List<Object> totals = new ArrayList<>();
      List<Object> variances = new ArrayList<>();
      for (int k = 0; k < row.count; k++) {
        totals.add(row.totals[k]);
        variances.add(row.variances[k]);
      }
      saved.add(Map.of("totals", totals, "variances", variances));
    }
    state.put("rows", saved);
    return state;
  }

  @Override
  public void restoreState(Map<String, Object> state) {
    if (StateValues.getDouble(state, "delta") != delta
        || (StateValues.getLong(state, "increasesOnly") != 0) != increasesOnly) {
      throw new IllegalArgumentException("the state is of another ADWIN: " + state);
    }
    seen = StateValues.getLong(state, "seen");
    width = StateValues.getLong(state, "width");
    total = StateValues.getDouble(state, "total");
    variance = StateValues.getDouble(state, "variance");
    rows.clear();
    if (!(state.get("rows") instanceof List<?> saved)) {
      throw new IllegalArgumentException("ADWIN state has no rows: " + state);
    }
    for (Object item : saved) {
      if (!(item instanceof Map<?, ?> map)
          || !(map.get("totals") instanceof List<?> totals)
          || !(map.get("variances") instanceof List<?> variances)
          || totals.size() != variances.size()
          || totals.size() > MAX_BUCKETS + 1) {
        throw new IllegalArgumentException("malformed ADWIN row: " + item);
      }
      Row row = new Row();
      for (int k = 0; k < totals.size(); k++) {
        row.append(number(totals.get(k)), number(variances.get(k)));
      }
      rows.add(row);
    }
    if (rows.isEmpty()) {
      rows.add(new Row());
    }
  }

  private static double number(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String text) {
      return Double.parseDouble(text);
    }
    throw new IllegalArgumentException("not a number in ADWIN state: " + value);
  }

  /** Up to M + 1 buckets of one size, oldest first. */
  private static final class Row {
    final double[] totals = new double[MAX_BUCKETS + 1];
    final double[] variances = new double[MAX_BUCKETS + 1];
    int count;

    void append(double bucketTotal, double bucketVariance) {
      totals[count] = bucketTotal;
      variances[count] = bucketVariance;
      count++;
    }

    void dropOldest(int n) {
      System.arraycopy(totals, n, totals, 0, count - n);
      System.arraycopy(variances, n, variances, 0, count - n);
      count -= n;
    }
  }
}
