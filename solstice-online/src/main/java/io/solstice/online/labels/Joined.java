package io.solstice.online.labels;

/**
 * A row whose label has arrived: its features, the prediction made when the features arrived
 * (before the label was known: the one to evaluate), and the label (the one to train on).
 *
 * @param key the row's key
 * @param features its features
 * @param prediction the prediction made on arrival of the features
 * @param label the label
 * @param delay how many arrivals (features and labels) after its features the label came: 1 when
 *     it was the very next arrival
 * @param <K> the key type
 * @param <F> the features type
 * @param <P> the prediction type
 * @param <L> the label type
 */
public record Joined<K, F, P, L>(K key, F features, P prediction, L label, long delay) {}
