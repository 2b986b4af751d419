package io.solstice.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.solstice.arrow.internal.IpcFileCursor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import org.apache.arrow.memory.OutOfMemoryException;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Reads that fail through no fault of the bytes (an input that cannot be opened, a failing input
 * stream or file channel, an allocator limit too small for a batch) end in an {@link
 * ArrowReadException}, not in a {@link CorruptIpcException}, and release every buffer;
 * truncated bytes stay corrupt.
 */
class ReadFailureTest {
  private static final int BATCHES = 3;
  private static final int ROWS = 1000;

  /** Serves the first {@code length} bytes, then fails as a dropped connection or a bad disk does. */
  private static final class FailingInput extends InputStream {
    final IOException failure = new IOException("connection reset by peer");
    private final InputStream served;

    FailingInput(byte[] bytes, int length) {
      served = new ByteArrayInputStream(bytes, 0, length);
    }

    @Override
    public int read() throws IOException {
      int b = served.read();
      if (b < 0) {
        throw failure;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = served.read(b, off, len);
      if (n < 0) {
        throw failure;
      }
      return n;
    }
  }

  /** A file's channel with a bad sector: every read that touches byte {@code badByte} fails. */
  private static final class BadSectorChannel implements SeekableByteChannel {
    final IOException failure = new IOException("bad sector");
    private final FileChannel file;
    private final long badByte;

    BadSectorChannel(Path path, long badByte) throws IOException {
      this.file = FileChannel.open(path);
      this.badByte = badByte;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      long position = file.position();
      if (position <= badByte && badByte < position + dst.remaining()) {
        throw failure;
      }
      return file.read(dst);
    }

    @Override
    public long position() throws IOException {
      return file.position();
    }

    @Override
    public SeekableByteChannel position(long newPosition) throws IOException {
      file.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return file.size();
    }

    @Override
    public int write(ByteBuffer src) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SeekableByteChannel truncate(long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  private static byte[] validStream(RootAllocator allocator) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TestData.writeIpcStream(bytes, allocator, BATCHES, ROWS);
    return bytes.toByteArray();
  }

  /** Reads every batch, closing each; returns the rows read. */
  private static long drain(Flux<ArrowBatch> source) {
    return source.map(b -> {
      try (b) {
        return (long) b.rowCount();
      }
    }).reduce(0L, Long::sum).block(Duration.ofSeconds(20));
  }

  @Test
  void anInputStreamThatFailsMidwayGivesAReadErrorWithItsCause() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] valid = validStream(allocator);
      // From before the schema to inside the last batch: headers and bodies alike.
      for (int percent = 0; percent < 100; percent += 10) {
        FailingInput input = new FailingInput(valid, valid.length * percent / 100);
        assertThatThrownBy(() -> drain(ArrowSources.ipcStream("socket", () -> input, allocator,
                ReadOptions.defaults())))
            .as("input failing after %d%% of the stream", percent)
            .isInstanceOf(ArrowReadException.class)
            .hasMessageContaining("socket")
            .hasMessageContaining("connection reset by peer")
            .extracting(Throwable::getCause).isSameAs(input.failure);
      }
      allocator.close();
    }
  }

  @Test
  void aFileWithABadSectorGivesAReadErrorWithItsCause(@TempDir Path dir) throws IOException {
    Path file = ipcFile(dir);
    long size = Files.size(file);
    try (RootAllocator allocator = new RootAllocator()) {
      // From the magic number through the batches' bodies to the footer.
      for (int percent = 0; percent < 100; percent += 10) {
        long badByte = size * percent / 100;
        BadSectorChannel[] channel = new BadSectorChannel[1];
        Flux<ArrowBatch> source = ArrowSources.source(allocator, "ipc-file:data.arrow",
            lease -> new IpcFileCursor("data.arrow", () -> channel[0] = new BadSectorChannel(file, badByte),
                lease, 0, null));
        assertThatThrownBy(() -> drain(source))
            .as("bad sector at byte %d of %d", badByte, size)
            .isInstanceOf(ArrowReadException.class)
            .hasMessageContaining("data.arrow: reading the input failed")
            .extracting(Throwable::getCause).isSameAs(channel[0].failure);
        assertThat(channel[0].isOpen()).isFalse();
      }
      allocator.close();
    }
  }

  @Test
  void aFileTruncatedWhileBeingReadIsCorruptAndLeaksNothing(@TempDir Path dir) throws IOException {
    Path file = ipcFile(dir);
    long size = Files.size(file);
    try (RootAllocator allocator = new RootAllocator()) {
      // Another process cuts the file in the middle of its second batch once the first has been
      // read: the footer, read at the start, still lists the batches that are gone.
      Flux<ArrowBatch> source = ArrowSources.ipcFile(file, allocator).index().map(indexed -> {
        if (indexed.getT1() == 0) {
          try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
            writer.truncate(size / 2);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return indexed.getT2();
      });
      assertThatThrownBy(() -> drain(source))
          .isInstanceOf(CorruptIpcException.class)
          .hasMessageContaining("data.arrow")
          .hasMessageContaining("the file ended inside a block");
      allocator.close();
    }
  }

  private static Path ipcFile(Path dir) throws IOException {
    try (RootAllocator writer = new RootAllocator()) {
      return TestData.writeIpcFile(dir, "data.arrow", writer, BATCHES, ROWS);
    }
  }

  @Test
  @EnabledOnOs(OS.LINUX)
  void aDirectoryPassedAsAFileGivesAReadErrorNotACorruptOne(@TempDir Path dir) {
    // Linux opens a directory for reading and fails its reads ("Is a directory"): a real I/O
    // error of the input, which says nothing about any Arrow bytes.
    try (RootAllocator allocator = new RootAllocator()) {
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(dir, allocator),
          ArrowSources.ipcStream(dir, allocator, ReadOptions.defaults()))) {
        assertThatThrownBy(() -> drain(source))
            .isInstanceOf(ArrowReadException.class)
            .hasMessageContaining("reading the input failed")
            .hasCauseInstanceOf(IOException.class)
            .hasMessageContaining("Is a directory");
      }
      allocator.close();
    }
  }

  @Test
  void anAllocatorTooSmallForABatchGivesAReadErrorNotACorruptOne(@TempDir Path dir) throws IOException {
    Path file;
    Path stream;
    try (RootAllocator writer = new RootAllocator()) {
      file = TestData.writeIpcFile(dir, "data.arrow", writer, BATCHES, ROWS);
      stream = TestData.writeIpcStream(dir, "data.arrows", writer, BATCHES, ROWS);
    }
    try (RootAllocator allocator = new RootAllocator(16 << 10)) {
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(file, allocator),
          ArrowSources.ipcStream(stream, allocator, ReadOptions.defaults()))) {
        assertThatThrownBy(() -> drain(source))
            .isInstanceOf(ArrowReadException.class)
            .hasMessageContaining("out of memory")
            .satisfies(e -> assertThat(Stream.iterate(e, Objects::nonNull, Throwable::getCause))
                .hasAtLeastOneElementOfType(OutOfMemoryException.class));
      }
      allocator.close();
    }
  }

  @Test
  void anInputThatCannotBeOpenedGivesAReadErrorWithItsCause(@TempDir Path dir) {
    Path missing = dir.resolve("missing.arrow");
    IOException unreachable = new IOException("no route to host");
    try (RootAllocator allocator = new RootAllocator()) {
      for (Flux<ArrowBatch> source : List.of(ArrowSources.ipcFile(missing, allocator),
          ArrowSources.ipcStream(missing, allocator, ReadOptions.defaults()))) {
        assertThatThrownBy(() -> drain(source))
            .isInstanceOf(ArrowReadException.class)
            .hasMessageContaining("missing.arrow: cannot open the input")
            .hasCauseInstanceOf(NoSuchFileException.class);
      }
      assertThatThrownBy(() -> drain(ArrowSources.ipcStream("socket", () -> {
            throw unreachable;
          }, allocator, ReadOptions.defaults())))
          .isInstanceOf(ArrowReadException.class)
          .hasMessageContaining("socket: cannot open the input")
          .extracting(Throwable::getCause).isSameAs(unreachable);
      allocator.close();
    }
  }

  @Test
  void aTruncatedStreamIsStillCorrupt() throws IOException {
    try (RootAllocator allocator = new RootAllocator()) {
      byte[] valid = validStream(allocator);
      int firstBatch = 8 + IpcMessages.parseStream(valid).get(0).metadata().length;
      int endOfStreamMarker = 8;
      // Inside a length prefix the guard finds the end; inside a body Arrow's reader does.
      for (int cut : new int[] {firstBatch + 2, valid.length - endOfStreamMarker - 1}) {
        byte[] truncated = Arrays.copyOf(valid, cut);
        assertThatThrownBy(() -> drain(ArrowSources.ipcStream("cut", () -> new ByteArrayInputStream(truncated),
                allocator, ReadOptions.defaults())))
            .as("stream cut at byte %d of %d", cut, valid.length)
            .isInstanceOf(CorruptIpcException.class);
      }
      allocator.close();
    }
  }
}
