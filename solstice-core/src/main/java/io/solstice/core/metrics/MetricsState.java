package io.solstice.core.metrics;

import io.solstice.core.io.Json;
import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The saved form of the built-in metrics, so that a checkpoint can store statistics part-way
 * through an epoch and a resumed run can continue them: a JSON-compatible map (numbers,
 * strings, lists and maps) naming its {@code type} and holding every sum the type merges.
 * Restoring gives metrics equal to the saved ones, bit for bit, so merging them with what the
 * resumed run adds gives exactly what an uninterrupted run merges.
 *
 * <p>The built-in types are {@link ClassificationMetrics}, {@link RegressionMetrics}, {@link
 * MeanMetric}, {@link FeatureMoments} and {@link MetricGroup}s of them. A type of your own is
 * saved when it implements {@link SavableMetrics}: its class name and its {@link
 * SavableMetrics#state}, given back to its constructor. Another type has no saved form: {@link
 * #save} returns null for it, and a resumed run starts its sums over.
 *
 * <p>Thread safety: stateless.
 */
public final class MetricsState {

  private static final String TYPE = "type";

  private MetricsState() {}

  /**
   * Whether {@link #save} can save these metrics.
   *
   * @param metrics any metrics
   * @return true for a built-in type or a {@link SavableMetrics}, or a group of them
   */
  public static boolean savable(Metrics<?> metrics) {
    if (metrics instanceof MetricGroup group) {
      return group.parts().stream().allMatch(MetricsState::savable);
    }
    return metrics instanceof ClassificationMetrics || metrics instanceof RegressionMetrics
        || metrics instanceof MeanMetric || metrics instanceof FeatureMoments
        || metrics instanceof SavableMetrics<?>;
  }

  /**
   * The saved form of these metrics.
   *
   * @param metrics the metrics
   * @return a fresh JSON-compatible map, or null when the type has no saved form
   */
  public static Map<String, Object> save(Metrics<?> metrics) {
    if (!savable(metrics)) {
      return null;
    }
    Map<String, Object> state = new LinkedHashMap<>();
    if (metrics instanceof ClassificationMetrics classification) {
      state.put(TYPE, "classification");
      state.putAll(classification.sums());
    } else if (metrics instanceof RegressionMetrics regression) {
      state.put(TYPE, "regression");
      state.putAll(regression.sums());
    } else if (metrics instanceof MeanMetric mean) {
      state.put(TYPE, "mean");
      state.put("name", mean.name());
      state.put("sum", mean.sum());
      state.put("weight", mean.weight());
    } else if (metrics instanceof FeatureMoments moments) {
      state.put(TYPE, "feature_moments");
      state.putAll(moments.sums());
    } else if (metrics instanceof SavableMetrics<?> own) {
      state.put(TYPE, "own");
      state.put("class", own.getClass().getName());
      state.put("state", own.state());
    } else {
      state.put(TYPE, "group");
      state.put("parts", ((MetricGroup) metrics).parts().stream().map(MetricsState::save).toList());
    }
    return state;
  }

  /**
   * Metrics equal to those {@link #save} saved, after a trip through JSON or not.
   *
   * @param state the saved form
   * @return the metrics
   * @throws IllegalArgumentException when the map is not a saved form this class wrote
   */
  @SuppressWarnings("unchecked")
  public static Metrics<?> restore(Map<String, Object> state) {
    Object type = state.get(TYPE);
    try {
      switch (String.valueOf(type)) {
        case "classification":
          return ClassificationMetrics.restored(state);
        case "regression":
          return RegressionMetrics.restored(state);
        case "mean":
          return new MeanMetric((String) state.get("name"), Json.toDouble(state.get("sum")),
              Json.toDouble(state.get("weight")));
        case "feature_moments":
          return FeatureMoments.restored(state);
        case "own":
          return restoreOwn((String) state.get("class"), (Map<String, Object>) state.get("state"));
        case "group": {
          List<Metrics<?>> parts = new ArrayList<>();
          for (Object part : (List<Object>) state.get("parts")) {
            parts.add(restore((Map<String, Object>) part));
          }
          return MetricGroup.of(parts.toArray(Metrics<?>[]::new));
        }
        default:
          throw new IllegalArgumentException("unknown metrics type '" + type + "'");
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a saved form of metrics: " + state, e);
    }
  }

  /** A {@link SavableMetrics} of the named class, from its constructor taking its state. */
  private static Metrics<?> restoreOwn(String className, Map<String, Object> sums) {
    Class<?> type = load(className);
    if (!SavableMetrics.class.isAssignableFrom(type)) {
      throw new IllegalArgumentException(className + " does not implement SavableMetrics");
    }
    try {
      return (Metrics<?>) type.getConstructor(Map.class).newInstance(sums);
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(className + " has no public constructor taking its state (a Map<String, "
          + "Object>), which SavableMetrics asks for", e);
    } catch (InvocationTargetException e) {
      throw new IllegalArgumentException(className + "'s constructor refused the saved state: " + e.getCause(),
          e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot construct " + className + ": " + e, e);
    }
  }

  // The caller's class loader first (a user's metrics class may not be visible to this one's).
  private static Class<?> load(String className) {
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    for (ClassLoader loader : new ClassLoader[] {context, MetricsState.class.getClassLoader()}) {
      if (loader == null) {
        continue;
      }
      try {
        return Class.forName(className, false, loader);
      } catch (ClassNotFoundException e) {
        // try the next one
      }
    }
    throw new IllegalArgumentException("metrics class " + className + " is not on the class path");
  }

  static long[] longs(List<Object> values) {
    long[] out = new long[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Json.toLong(values.get(i));
    }
    return out;
  }

  static double[] doubles(List<Object> values) {
    double[] out = new double[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Json.toDouble(values.get(i));
    }
    return out;
  }
}
