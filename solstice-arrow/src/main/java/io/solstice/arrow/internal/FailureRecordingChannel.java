package io.solstice.arrow.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;

/**
 * Passes every call to a channel and remembers the first {@code IOException} the channel itself
 * threw, so that a failing disk can be told apart from Arrow's own {@code IOException}s about
 * bad bytes (which the file reader raises above this channel). The file counterpart of
 * {@link GuardedIpcInputStream#inputFailure()}.
 *
 * <p>Thread safety: not thread-safe, like the reader that reads it.
 */
final class FailureRecordingChannel implements SeekableByteChannel {
  private final SeekableByteChannel channel;
  private IOException failure;

  FailureRecordingChannel(SeekableByteChannel channel) {
    this.channel = channel;
  }

  /** The first failure the channel threw, or null. */
  IOException failure() {
    return failure;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    try {
      return channel.read(dst);
    } catch (IOException e) {
      throw recorded(e);
    }
  }

  @Override
  public long position() throws IOException {
    try {
      return channel.position();
    } catch (IOException e) {
      throw recorded(e);
    }
  }

  @Override
  public SeekableByteChannel position(long newPosition) throws IOException {
    try {
      channel.position(newPosition);
      return this;
    } catch (IOException e) {
      throw recorded(e);
    }
  }

  @Override
  public long size() throws IOException {
    try {
      return channel.size();
    } catch (IOException e) {
      throw recorded(e);
    }
  }

  /** The file sources never write. */
  @Override
  public int write(ByteBuffer src) {
    throw new UnsupportedOperationException("read-only");
  }

  /** The file sources never write. */
  @Override
  public SeekableByteChannel truncate(long size) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  private IOException recorded(IOException e) {
    if (failure == null) {
      failure = e;
    }
    return e;
  }
}
