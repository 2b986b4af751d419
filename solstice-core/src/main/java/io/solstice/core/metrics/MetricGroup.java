package io.solstice.core.metrics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several metrics combined into one {@link Metrics} value without writing a new class, for
 * example classification metrics plus a mean gradient norm:
 *
 * <pre>{@code
 * MetricGroup outs = MetricGroup.of(ClassificationMetrics.of(...), MeanMetric.of("grad_norm", g));
 * }</pre>
 *
 * <p>Merging merges part by part; {@link #compute()} returns the parts' values in order, in one
 * flat map. Two parts that report the same key are an error, raised when the group is made;
 * a part that reports its keys only once it has seen data (an empty {@code FeatureMoments}
 * reports none) can only clash later, and {@link #compute()} raises it then.
 *
 * <p>Thread safety: immutable (an unmodifiable list of immutable metrics) and thread-safe.
 */
public final class MetricGroup implements Metrics<MetricGroup> {

  private final List<Metrics<?>> parts;

  private MetricGroup(List<Metrics<?>> parts) {
    this.parts = Collections.unmodifiableList(parts);
  }

  /**
   * Groups the given metrics.
   *
   * @param parts the metrics, in reporting order
   * @return the group
   * @throws IllegalArgumentException when two parts report the same key now
   */
  public static MetricGroup of(Metrics<?>... parts) {
    List<Metrics<?>> list = List.of(parts);
    MetricGroup group = new MetricGroup(list);
    group.compute(); // fails fast on a key reported twice
    return group;
  }

  /**
   * The parts, in order.
   *
   * @return the grouped metrics
   */
  public List<Metrics<?>> parts() {
    return parts;
  }

  /**
   * The first part of that type.
   *
   * @param type the metrics class
   * @param <M> the metrics type
   * @return the part
   * @throws IllegalArgumentException when no part has that type
   */
  public <M extends Metrics<M>> M part(Class<M> type) {
    for (Metrics<?> part : parts) {
      if (type.isInstance(part)) {
        return type.cast(part);
      }
    }
    throw new IllegalArgumentException("no part of type " + type.getSimpleName() + " in " + parts);
  }

  @Override
  public MetricGroup merge(MetricGroup other) {
    if (parts.size() != other.parts.size()) {
      throw new IllegalArgumentException(
          "cannot merge a group of " + parts.size() + " parts with one of " + other.parts.size());
    }
    List<Metrics<?>> merged = new ArrayList<>(parts.size());
    for (int i = 0; i < parts.size(); i++) {
      merged.add(mergePart(parts.get(i), other.parts.get(i), i));
    }
    return new MetricGroup(merged);
  }

  @Override
  public MetricGroup empty() {
    List<Metrics<?>> empties = new ArrayList<>(parts.size());
    for (Metrics<?> part : parts) {
      empties.add(part.empty());
    }
    return new MetricGroup(empties);
  }

  @Override
  public Map<String, Double> compute() {
    Map<String, Double> values = new LinkedHashMap<>();
    for (Metrics<?> part : parts) {
      part.compute().forEach(
          (key, value) -> {
            if (values.putIfAbsent(key, value) != null) {
              throw new IllegalArgumentException(
                  "key '" + key + "' is reported by more than one part of " + parts);
            }
          });
    }
    return Collections.unmodifiableMap(values);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Metrics<?> mergePart(Metrics<?> mine, Metrics<?> theirs, int index) {
    if (mine.getClass() != theirs.getClass()) {
      throw new IllegalArgumentException(
          "part " + index + " differs in type: " + mine.getClass().getSimpleName() + " vs "
              + theirs.getClass().getSimpleName());
    }
    return (Metrics<?>) ((Metrics) mine).merge((Metrics) theirs);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MetricGroup other && parts.equals(other.parts);
  }

  @Override
  public int hashCode() {
    return parts.hashCode();
  }

  @Override
  public String toString() {
    return "MetricGroup" + parts;
  }
}
