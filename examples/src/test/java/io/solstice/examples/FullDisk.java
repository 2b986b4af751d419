package io.solstice.examples;

import io.solstice.examples.data.OutputFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A disk that fills up: a file whose name starts with a given prefix gets {@code capacity}
 * bytes, and the write that would go past them fails as the operating system reports a full
 * disk ("No space left on device"), after the bytes that fit were written.
 */
final class FullDisk {
  private FullDisk() {}

  static OutputFiles fillingUpOn(String fileNamePrefix, long capacity) {
    return new OutputFiles((target, channel) ->
        target.getFileName().toString().startsWith(fileNamePrefix) ? new Filling(channel, capacity) : channel);
  }

  /** Every file under {@code dir}, temporary ones included. */
  static Stream<Path> filesUnder(Path dir) throws IOException {
    return Files.walk(dir).filter(Files::isRegularFile);
  }

  private static final class Filling implements WritableByteChannel {
    private final WritableByteChannel file;
    private long left;

    Filling(WritableByteChannel file, long capacity) {
      this.file = file;
      this.left = capacity;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      if (src.remaining() > left) {
        ByteBuffer fits = src.slice().limit((int) left);
        left -= file.write(fits);
        throw new IOException("No space left on device");
      }
      int written = file.write(src);
      left -= written;
      return written;
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
}
