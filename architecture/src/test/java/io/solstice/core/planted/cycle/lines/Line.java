package io.solstice.core.planted.cycle.lines;

import io.solstice.core.planted.cycle.Order;

/** The other half of the planted cycle: a line that knows its order. */
public record Line(Order order, int quantity) {}
