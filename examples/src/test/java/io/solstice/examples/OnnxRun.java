package io.solstice.examples;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.solstice.onnx.OnnxExport;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An exported model run once in ONNX Runtime on a feature matrix.
 *
 * @param outputs each output's value by name ({@code float[][]} or {@code long[]})
 * @param metadata the model's metadata properties
 */
record OnnxRun(Map<String, Object> outputs, Map<String, String> metadata) {

  static OnnxRun of(Path model, float[][] features) throws OrtException {
    return of(model, features, null);
  }

  /** A model with categorical columns: its numeric columns' matrix and its string columns. */
  static OnnxRun of(Path model, float[][] features, String[][] categories) throws OrtException {
    try (OrtEnvironment env = OrtEnvironment.getEnvironment();
         OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
         OnnxTensor input = OnnxTensor.createTensor(env, features);
         OnnxTensor strings = categories == null ? null : OnnxTensor.createTensor(env, categories);
         OrtSession.Result result = session.run(strings == null ? Map.of(OnnxExport.INPUT, input)
             : Map.of(OnnxExport.INPUT, input, OnnxExport.CATEGORIES, strings))) {
      Map<String, Object> outputs = new LinkedHashMap<>();
      for (Map.Entry<String, OnnxValue> output : result) {
        outputs.put(output.getKey(), output.getValue().getValue());
      }
      return new OnnxRun(outputs, session.getMetadata().getCustomMetadata());
    }
  }

  float[][] floats(String name) {
    return (float[][]) outputs.get(name);
  }

  long[] longs(String name) {
    return (long[]) outputs.get(name);
  }
}
