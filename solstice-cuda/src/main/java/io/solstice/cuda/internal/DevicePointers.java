package io.solstice.cuda.internal;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * JavaCPP pointers at raw addresses (device memory, Arrow's off-heap memory). JavaCPP has no
 * public constructor for an arbitrary address; a subclass may set the protected field.
 */
public final class DevicePointers {

  private DevicePointers() {}

  /**
   * A pointer at this address; it owns nothing.
   *
   * @param address the address
   * @return the pointer
   */
  public static Pointer at(long address) {
    return new Address(address);
  }

  /**
   * A float pointer at this address; it owns nothing.
   *
   * @param address the address
   * @return the pointer
   */
  public static FloatPointer floatsAt(long address) {
    return new FloatPointer(new Address(address));
  }

  private static final class Address extends Pointer {
    Address(long address) {
      this.address = address;
    }
  }
}
