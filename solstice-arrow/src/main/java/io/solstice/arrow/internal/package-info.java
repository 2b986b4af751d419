/**
 * Internals of the Arrow data plane: the per-subscription cursors behind each source, the
 * allocator lease, the IPC input checks that refuse corrupt or hostile bytes before Arrow
 * allocates for them, zero-copy wrapping, and the Flight stream pump. Not a public API.
 */
package io.solstice.arrow.internal;
