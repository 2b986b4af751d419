package io.solstice.examples.cli;

import io.solstice.core.checkpoint.Safetensors;
import io.solstice.examples.data.UsageException;
import io.solstice.examples.job.ModelRecord;
import io.solstice.examples.job.TrainedModel;
import io.solstice.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code solstice export}: writes the model of a {@code train} or {@code digits} run as ONNX
 * (with the standardization as graph nodes and the class names as metadata) and/or its
 * checkpoint's arrays as safetensors (with the checkpoint's manifest as metadata).
 * docs/EXPORT.md describes both.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
        "Export the model of a 'train' or 'digits' run (its best epoch's checkpoint, else its latest) for serving: "
            + "--onnx writes an ONNX model (input 'features', float32 [rows, inputs], the raw feature columns in "
            + "the run's order, NaN for a missing value when the run filled nulls; outputs 'probabilities' and "
            + "'label', or 'predictions' for regression), "
            + "--safetensors writes the checkpoint's arrays with its manifest as metadata.",
        ""
    })
public final class ExportCommand extends CommandBase {

  @Option(names = "--run", required = true, paramLabel = "DIR",
      description = "The run: its --work-dir (e.g. runs/train) or its checkpoint directory.")
  Path run;

  @Option(names = "--onnx", paramLabel = "FILE", description = "Write the model as ONNX (opset "
      + OnnxExport.OPSET + ").")
  Path onnx;

  @Option(names = "--safetensors", paramLabel = "FILE",
      description = "Write the checkpoint's arrays (parameters, optimizer state, counters) as safetensors.")
  Path safetensors;

  /** Creates the command. */
  public ExportCommand() {}

  @Override
  protected int execute() throws Exception {
    if (onnx == null && safetensors == null) {
      throw new UsageException("say what to write: --onnx FILE and/or --safetensors FILE");
    }
    TrainedModel model = TrainedModel.load(run);
    // As predict's --out: the directories of a new file are made, not refused.
    for (Path target : new Path[] {onnx, safetensors}) {
      if (target != null) {
        Files.createDirectories(target.toAbsolutePath().getParent());
      }
    }
    if (onnx != null) {
      onnxExport(model).write(onnx);
      out().println("Wrote " + onnx + " (ONNX " + model.record().model() + " from "
          + model.checkpoint().file().getFileName() + ")");
    }
    if (safetensors != null) {
      Safetensors.write(safetensors, model.checkpoint());
      out().println("Wrote " + safetensors + " (" + model.checkpoint().state().size() + " arrays of "
          + model.checkpoint().file().getFileName() + ")");
    }
    return 0;
  }

  /**
   * The ONNX export of a run's model: its categorical columns' one-hot encoding (a string
   * input), fill values for nulls (a NaN input), standardization, class names and feature
   * columns.
   */
  static OnnxExport onnxExport(TrainedModel model) {
    ModelRecord record = model.record();
    OnnxExport export = record.classifier()
        ? OnnxExport.classifier(model.classifier()).classNames(record.classes())
        : OnnxExport.regressor(model.regressor()).metadata("solstice.target", record.target());
    if (!record.categories().isEmpty()) {
      export.oneHot(record.features(), record.categories(), Set.copyOf(record.otherCategory()));
    }
    if (record.fillNulls() != null) {
      export.fillMissing(record.fillNulls());
    }
    if (record.standardization() != null) {
      export.standardize(record.standardization().mean(), record.standardization().scale());
    }
    return export.featureNames(record.features());
  }
}
