package io.solstice.core.planted.cycle;

import io.solstice.core.planted.cycle.lines.Line;
import java.util.List;

/** With {@link Line}, breaks {@code NO_PACKAGE_CYCLES}: two packages that use each other. */
public record Order(List<Line> lines) {}
