/** Internals of the ONNX export: the graph builder on the generated protocol-buffer classes. */
package io.solstice.onnx.internal;
