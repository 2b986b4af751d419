package io.solstice.onnx.internal;

import com.google.protobuf.ByteString;
import io.solstice.onnx.proto.OnnxProto.AttributeProto;
import io.solstice.onnx.proto.OnnxProto.GraphProto;
import io.solstice.onnx.proto.OnnxProto.NodeProto;
import io.solstice.onnx.proto.OnnxProto.TensorProto;
import io.solstice.onnx.proto.OnnxProto.TensorShapeProto;
import io.solstice.onnx.proto.OnnxProto.TypeProto;
import io.solstice.onnx.proto.OnnxProto.ValueInfoProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * Builds an ONNX graph one node at a time on the generated protocol-buffer classes: constant
 * tensors (initializers) with their bytes in little-endian {@code raw_data} as the format
 * requires, nodes of the default operator set and of the {@value #ML_DOMAIN} one, and the
 * graph's typed inputs and outputs whose first dimension is the symbolic row count.
 *
 * <p>Not thread-safe.
 */
public final class GraphBuilder {
  /** The symbolic name of the rows dimension of inputs and outputs. */
  public static final String ROWS = "rows";

  /** The domain of the traditional machine-learning operators, such as {@code OneHotEncoder}. */
  public static final String ML_DOMAIN = "ai.onnx.ml";

  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private int nodes;
  private boolean usesMlDomain;

  /**
   * A graph with this name.
   *
   * @param name the graph's name
   */
  public GraphBuilder(String name) {
    graph.setName(name);
  }

  /**
   * Adds a float32 constant.
   *
   * @param name its name
   * @param values the values, in C order
   * @param shape its shape
   * @return the name
   */
  public String floats(String name, float[] values, long... shape) {
    checkLength(name, values.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    return constant(name, TensorProto.DataType.FLOAT, bytes, shape);
  }

  /**
   * Adds a float64 constant.
   *
   * @param name its name
   * @param values the values, in C order
   * @param shape its shape
   * @return the name
   */
  public String doubles(String name, double[] values, long... shape) {
    checkLength(name, values.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Double.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asDoubleBuffer().put(values);
    return constant(name, TensorProto.DataType.DOUBLE, bytes, shape);
  }

  /**
   * Adds an int64 constant.
   *
   * @param name its name
   * @param values the values, in C order
   * @param shape its shape
   * @return the name
   */
  public String longs(String name, long[] values, long... shape) {
    checkLength(name, values.length, shape);
    ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asLongBuffer().put(values);
    return constant(name, TensorProto.DataType.INT64, bytes, shape);
  }

  private String constant(String name, TensorProto.DataType type, ByteBuffer bytes, long[] shape) {
    TensorProto.Builder tensor = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
        .setRawData(ByteString.copyFrom(bytes.array()));
    for (long d : shape) {
      tensor.addDims(d);
    }
    graph.addInitializer(tensor);
    return name;
  }

  /**
   * Adds a node of the default operator set.
   *
   * @param op the operator, e.g. {@code MatMul}
   * @param output the name of its one output
   * @param inputs the names of its inputs
   * @return the output's name
   */
  public String node(String op, String output, String... inputs) {
    return node(op, output, null, inputs);
  }

  /**
   * Adds a node with attributes.
   *
   * @param op the operator
   * @param output the name of its one output
   * @param attributes attribute names and values, alternating (a name, then its value: an
   *     integer, or a list of strings), or null
   * @param inputs the names of its inputs
   * @return the output's name
   */
  public String node(String op, String output, Object[] attributes, String... inputs) {
    return node("", op, output, attributes, inputs);
  }

  /**
   * Adds a node of the {@value #ML_DOMAIN} operator set; the model must import that set
   * ({@link #usesMlDomain}).
   *
   * @param op the operator, e.g. {@code OneHotEncoder}
   * @param output the name of its one output
   * @param attributes as for {@link #node(String, String, Object[], String...)}
   * @param inputs the names of its inputs
   * @return the output's name
   */
  public String mlNode(String op, String output, Object[] attributes, String... inputs) {
    usesMlDomain = true;
    return node(ML_DOMAIN, op, output, attributes, inputs);
  }

  /**
   * Whether a node of the {@value #ML_DOMAIN} operator set was added.
   *
   * @return true when the model must import that set
   */
  public boolean usesMlDomain() {
    return usesMlDomain;
  }

  private String node(String domain, String op, String output, Object[] attributes, String... inputs) {
    NodeProto.Builder node = NodeProto.newBuilder().setDomain(domain).setOpType(op).setName(op + "_" + nodes++)
        .addOutput(output);
    for (String input : inputs) {
      node.addInput(input);
    }
    if (attributes != null) {
      for (int i = 0; i < attributes.length; i += 2) {
        node.addAttribute(attribute((String) attributes[i], attributes[i + 1]));
      }
    }
    graph.addNode(node);
    return output;
  }

  private static AttributeProto attribute(String name, Object value) {
    AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name);
    if (value instanceof Number number) {
      return attribute.setType(AttributeProto.AttributeType.INT).setI(number.longValue()).build();
    }
    attribute.setType(AttributeProto.AttributeType.STRINGS);
    for (Object string : (List<?>) value) {
      attribute.addStrings(ByteString.copyFromUtf8((String) string));
    }
    return attribute.build();
  }

  /**
   * Declares a graph input of shape [rows, width].
   *
   * @param name its name
   * @param type its element type
   * @param width the second dimension
   */
  public void input(String name, TensorProto.DataType type, long width) {
    graph.addInput(value(name, type, width));
  }

  /**
   * Declares a graph output of shape [rows] (no width) or [rows, width].
   *
   * @param name the name of a node output
   * @param type its element type
   * @param width the second dimension, or 0 for a vector of one value per row
   */
  public void output(String name, TensorProto.DataType type, long width) {
    graph.addOutput(width == 0 ? value(name, type) : value(name, type, width));
  }

  /**
   * The graph.
   *
   * @return it
   */
  public GraphProto build() {
    return graph.build();
  }

  private static ValueInfoProto value(String name, TensorProto.DataType type, long... widths) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(ROWS));
    for (long w : widths) {
      shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(w));
    }
    TypeProto.Tensor tensor = TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape).build();
    return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(tensor)).build();
  }

  private static void checkLength(String name, int length, long[] shape) {
    long expected = Arrays.stream(shape).reduce(1, Math::multiplyExact);
    if (expected != length) {
      throw new IllegalArgumentException(name + ": " + length + " values for shape " + Arrays.toString(shape));
    }
  }
}
