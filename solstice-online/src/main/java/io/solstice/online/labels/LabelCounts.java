package io.solstice.online.labels;

/**
 * What a {@link DelayedLabels} join has seen so far.
 *
 * @param joined labels matched with pending features (each emitted once, to train on)
 * @param late labels whose features are no longer pending (evicted, or never seen)
 * @param missing features evicted, by the row bound or the age bound, before their label came
 * @param duplicate labels for a key already joined (within the memory of recent joins)
 * @param pending features waiting for their label now
 */
public record LabelCounts(long joined, long late, long missing, long duplicate, int pending) {}
