package io.solstice.online.labels;

/**
 * One event of a stream whose labels arrive after their features: the features of a row, or the
 * label of a row seen earlier, matched by key.
 *
 * @param <K> the key type (an order id, an impression id...)
 * @param <F> the features type
 * @param <L> the label type
 */
public sealed interface Arrival<K, F, L> {

  /**
   * The key that matches features with their label.
   *
   * @return the key
   */
  K key();

  /**
   * The features of a row, which are predicted on arrival.
   *
   * @param key the row's key
   * @param features its features
   * @param <K> the key type
   * @param <F> the features type
   * @param <L> the label type
   */
  record Features<K, F, L>(K key, F features) implements Arrival<K, F, L> {}

  /**
   * The label of a row.
   *
   * @param key the row's key
   * @param label its label
   * @param <K> the key type
   * @param <F> the features type
   * @param <L> the label type
   */
  record Label<K, F, L>(K key, L label) implements Arrival<K, F, L> {}
}
