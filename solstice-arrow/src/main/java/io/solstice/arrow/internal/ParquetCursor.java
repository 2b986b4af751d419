package io.solstice.arrow.internal;

import io.solstice.arrow.ArrowDataException;
import io.solstice.arrow.BatchPosition;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.arrow.dataset.file.FileFormat;
import org.apache.arrow.dataset.file.FileSystemDatasetFactory;
import org.apache.arrow.dataset.jni.NativeMemoryPool;
import org.apache.arrow.dataset.scanner.ScanOptions;
import org.apache.arrow.dataset.scanner.Scanner;
import org.apache.arrow.dataset.source.Dataset;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.util.AutoCloseables;
import org.apache.arrow.vector.ipc.ArrowReader;

/**
 * Reads Parquet through Arrow's dataset scanner, one file (fragment) at a time in file-name
 * order, so that a position (file, batch) is stable and a resumed run can skip whole files.
 * Within a file the scanner yields batches in order.
 *
 * <p>Thread safety: not thread-safe, like every BatchCursor: Flux.generate calls it serially.
 */
public final class ParquetCursor extends BatchCursor {
  /** Arrow's own default scan batch size, used when no batch size is given. */
  private static final long DEFAULT_SCAN_ROWS = 1L << 15;

  private final Path fileOrDirectory;
  private BufferAllocator allocator;
  private List<Path> files;
  private int nextFile;
  private FileSystemDatasetFactory factory;
  private Dataset dataset;
  private Scanner scanner;
  private ArrowReader reader;
  private int currentFile = -1;

  /**
   * Creates the cursor.
   *
   * @param fileOrDirectory a Parquet file, or a directory of them (read in name order)
   * @param lease the subscription's lease
   * @param batchSize rows per batch (the scanner's batch size), 0 for the default
   * @param startAt the start position or null
   */
  public ParquetCursor(Path fileOrDirectory, SourceLease lease, int batchSize, BatchPosition startAt) {
    super(fileOrDirectory.getFileName().toString(), lease, batchSize, startAt);
    this.fileOrDirectory = fileOrDirectory;
  }

  @Override
  protected void open(BufferAllocator allocator, BatchPosition startAt) throws IOException {
    this.allocator = allocator;
    files = listFiles(fileOrDirectory);
    if (startAt != null) {
      nextFile = (int) Math.min(startAt.fragment(), files.size());
    }
  }

  /**
   * The Parquet files of a directory in name order (hidden and underscore files skipped), or
   * the file itself.
   *
   * @param fileOrDirectory a file or directory
   * @return the files
   * @throws IOException if the directory cannot be listed
   */
  public static List<Path> listFiles(Path fileOrDirectory) throws IOException {
    if (!Files.isDirectory(fileOrDirectory)) {
      if (!Files.isRegularFile(fileOrDirectory)) {
        throw new ArrowDataException(null, fileOrDirectory + ": no such Parquet file or directory", null);
      }
      return List.of(fileOrDirectory);
    }
    try (Stream<Path> listing = Files.list(fileOrDirectory)) {
      List<Path> found = new ArrayList<>(listing
          .filter(Files::isRegularFile)
          .filter(p -> {
            String n = p.getFileName().toString();
            return !n.startsWith(".") && !n.startsWith("_") && n.endsWith(".parquet");
          })
          .sorted()
          .toList());
      if (found.isEmpty()) {
        throw new ArrowDataException(null, fileOrDirectory + ": the directory holds no *.parquet files", null);
      }
      return found;
    }
  }

  @Override
  protected Loaded loadNext() throws Exception {
    while (true) {
      if (reader != null && reader.loadNextBatch()) {
        return new Loaded(reader.getVectorSchemaRoot(), reader, currentFile);
      }
      closeScan();
      if (nextFile >= files.size()) {
        return null;
      }
      currentFile = nextFile++;
      String uri = files.get(currentFile).toUri().toString();
      factory = new FileSystemDatasetFactory(allocator, NativeMemoryPool.getDefault(), FileFormat.PARQUET, uri);
      dataset = factory.finish();
      scanner = dataset.newScan(new ScanOptions(batchSize() > 0 ? batchSize() : DEFAULT_SCAN_ROWS));
      reader = scanner.scanBatches();
    }
  }

  @Override
  protected RuntimeException translate(Throwable failure) {
    String file = files != null && currentFile >= 0 ? files.get(currentFile).getFileName().toString() : sourceName();
    return new ArrowDataException(null, file + ": cannot read as Parquet (" + failure.getMessage() + ")", failure);
  }

  private void closeScan() throws Exception {
    AutoCloseables.close(reader, scanner, dataset, factory);
    reader = null;
    scanner = null;
    dataset = null;
    factory = null;
  }

  @Override
  protected void closeReader() throws Exception {
    closeScan();
  }
}
