/**
 * ONNX export of Solstice's models: {@link io.solstice.onnx.OnnxExport} writes a trained MLP
 * classifier or regressor, with its feature standardization and class names, as an ONNX model
 * for ONNX Runtime and other serving systems.
 */
package io.solstice.onnx;
