package io.solstice.reactive.callbacks.internal;

import io.solstice.core.Mode;
import io.solstice.core.io.AtomicFiles;
import io.solstice.reactive.callbacks.LoggedMetrics;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Draws learning curves (one panel per metric, one line per mode, x = train steps done) into a
 * PNG with java.awt off screen, so it needs no display ({@code -Djava.awt.headless=true} on
 * servers) and no plotting library.
 */
public final class LearningCurvePlot {

  private static final int PANEL_WIDTH = 520;
  private static final int PANEL_HEIGHT = 320;
  private static final int MARGIN = 56;
  private static final Map<Mode, Color> COLORS = new EnumMap<>(Map.of(
      Mode.TRAIN, new Color(31, 119, 180), Mode.VAL, new Color(255, 127, 14), Mode.TEST, new Color(44, 160, 44)));

  private LearningCurvePlot() {}

  /**
   * Draws the curves and writes the PNG atomically.
   *
   * @param rows the logged metrics, in order
   * @param keys the metrics to draw, one panel each
   * @param file the PNG to write
   * @throws IOException when writing fails
   */
  public static void write(List<LoggedMetrics> rows, List<String> keys, Path file) throws IOException {
    int panels = Math.max(1, keys.size());
    BufferedImage image =
        new BufferedImage(PANEL_WIDTH * panels, PANEL_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, image.getWidth(), image.getHeight());
      for (int i = 0; i < keys.size(); i++) {
        drawPanel(g, i * PANEL_WIDTH, keys.get(i), rows);
      }
    } finally {
      g.dispose();
    }
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
    if (!writers.hasNext()) {
      throw new IOException("no PNG writer available in this JVM");
    }
    ImageWriter png = writers.next();
    // Buffered in memory: ImageIO's default cache is a temporary file whose cleanup registers a
    // shutdown hook, which fails while the JVM shuts down, as when Ctrl-C stops a run and its
    // last plot is written.
    try {
      AtomicFiles.write(file, out -> {
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
          png.setOutput(stream);
          png.write(image);
        }
      });
    } finally {
      png.dispose();
    }
  }

  private static void drawPanel(Graphics2D g, int left, String key, List<LoggedMetrics> rows) {
    Map<Mode, List<double[]>> series = new EnumMap<>(Mode.class);
    for (Mode mode : Mode.values()) {
      List<double[]> points = pointsOf(rows, mode, key);
      if (!points.isEmpty()) {
        series.put(mode, points);
      }
    }
    double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
    for (List<double[]> points : series.values()) {
      for (double[] p : points) {
        minX = Math.min(minX, p[0]);
        maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]);
        maxY = Math.max(maxY, p[1]);
      }
    }
    if (series.isEmpty()) {
      minX = 0; maxX = 1; minY = 0; maxY = 1;
    }
    if (maxX == minX) {
      maxX = minX + 1;
    }
    if (maxY == minY) {
      maxY = minY + 1;
    }
    int x0 = left + MARGIN, y0 = PANEL_HEIGHT - MARGIN;
    int width = PANEL_WIDTH - MARGIN - 20, height = PANEL_HEIGHT - MARGIN - 36;
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString(key, left + PANEL_WIDTH / 2 - g.getFontMetrics().stringWidth(key) / 2, 22);
    g.drawRect(x0, y0 - height, width, height);
    g.drawString(label(minX), x0, y0 + 16);
    String maxXLabel = label(maxX);
    g.drawString(maxXLabel, x0 + width - g.getFontMetrics().stringWidth(maxXLabel), y0 + 16);
    g.drawString("train steps", x0 + width / 2 - 30, y0 + 34);
    g.drawString(label(maxY), left + 4, y0 - height + 12);
    g.drawString(label(minY), left + 4, y0);
    int legendY = y0 - height + 16;
    g.setStroke(new BasicStroke(2f));
    for (Map.Entry<Mode, List<double[]>> entry : series.entrySet()) {
      g.setColor(COLORS.get(entry.getKey()));
      int[] xs = new int[entry.getValue().size()];
      int[] ys = new int[xs.length];
      for (int i = 0; i < xs.length; i++) {
        double[] p = entry.getValue().get(i);
        xs[i] = x0 + (int) Math.round((p[0] - minX) / (maxX - minX) * width);
        ys[i] = y0 - (int) Math.round((p[1] - minY) / (maxY - minY) * height);
        g.fillOval(xs[i] - 2, ys[i] - 2, 5, 5);
      }
      g.drawPolyline(xs, ys, xs.length);
      g.drawLine(x0 + width - 70, legendY - 4, x0 + width - 50, legendY - 4);
      g.drawString(entry.getKey().label(), x0 + width - 45, legendY);
      legendY += 16;
    }
  }

  /**
   * Train points come from step windows when there are any, other modes from epoch summaries,
   * leaving out epochs a stop cut short: their values are not comparable with whole epochs'.
   */
  private static List<double[]> pointsOf(List<LoggedMetrics> rows, Mode mode, String key) {
    boolean hasWindows = rows.stream().anyMatch(r -> r.mode() == mode && r.kind() == LoggedMetrics.Kind.WINDOW);
    LoggedMetrics.Kind wanted = hasWindows ? LoggedMetrics.Kind.WINDOW : LoggedMetrics.Kind.EPOCH;
    List<double[]> points = new ArrayList<>();
    for (LoggedMetrics row : rows) {
      Double value = row.values().get(key);
      if (row.mode() == mode && row.kind() == wanted && row.complete() && value != null
          && Double.isFinite(value)) {
        points.add(new double[] {row.trainStep(), value});
      }
    }
    return points;
  }

  private static String label(double value) {
    return String.format(Locale.ROOT, "%.4g", value);
  }
}
