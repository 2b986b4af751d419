package io.solstice.core.nd4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nadam;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * The Java Adam against ND4J's own {@code adam_updater}: the same updates and moments, step
 * after step, in float32 and float64, for lengths around the block and chunk sizes, with a
 * learning-rate schedule and gradients spanning many orders of magnitude; and the moments moved
 * between the two.
 */
class HostAdamTest {

  @Test
  void matchesNd4jsAdamStepAfterStepInBothPrecisions() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      double tolerance = type == DataType.FLOAT ? 2e-5 : 1e-12;
      for (int length : new int[] {1, 7, 511, 512, 513, 2047, 2048, 2049, 5000}) {
        Adam config = Adam.builder().learningRateSchedule(
            new ExponentialSchedule(ScheduleType.ITERATION, 3e-3, 0.97)).beta1(0.85).beta2(0.995)
            .epsilon(1e-7).build();
        INDArray hostGradient = Nd4j.create(type, length);
        HostAdam host = HostAdam.forUpdater(config, hostGradient);
        assertThat(host).as("%s x %d takes the Java path", type, length).isNotNull();
        INDArray state = Nd4j.create(type, 1, config.stateSize(length));
        GradientUpdater<?> nd4j = config.instantiate(state, true);
        java.util.Random random = new java.util.Random(length);
        for (int iteration = 0; iteration < 20; iteration++) {
          // Gradients from 1e-6 to 1e2 in size, either sign: the epsilon and the square root matter.
          double[] values = new double[length];
          for (int i = 0; i < length; i++) {
            values[i] = random.nextGaussian() * Math.pow(10, random.nextDouble() * 8 - 6);
          }
          INDArray gradient = Nd4j.createFromArray(values).castTo(type);
          INDArray viaNd4j = gradient.dup();
          hostGradient.assign(gradient);
          nd4j.applyUpdater(viaNd4j, iteration, 0);
          host.apply(iteration, 0);
          assertClose(hostGradient, viaNd4j, tolerance, type + " x " + length + " update " + iteration);
        }
        Map<String, INDArray> nd4jState = nd4j.getState();
        host.exportState();
        for (Map.Entry<String, INDArray> variable : host.stateArrays().entrySet()) {
          assertClose(variable.getValue(), nd4jState.get(variable.getKey()).reshape(length), tolerance,
              type + " x " + length + " moment " + variable.getKey());
        }
      }
    }
  }

  @Test
  void subtractsTheUpdateFromTheParametersInTheSamePassBitForBit() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      int length = 5000;
      INDArray gradient = Nd4j.create(type, length);
      INDArray updateOut = Nd4j.create(type, length);
      HostAdam fused = HostAdam.forUpdater(new Adam(1e-2), gradient);
      HostAdam separate = HostAdam.forUpdater(new Adam(1e-2), updateOut);
      INDArray parameters = Nd4j.rand(type, length);
      INDArray expected = parameters.dup();
      double[] initial = parameters.data().asDouble();
      java.util.Random random = new java.util.Random(3);
      for (int iteration = 0; iteration < 5; iteration++) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
          values[i] = random.nextGaussian();
        }
        values[iteration] = 0; // a zero gradient: a zero update, whatever its sign
        INDArray drawn = Nd4j.createFromArray(values).castTo(type);
        gradient.assign(drawn);
        updateOut.assign(drawn);
        fused.apply(iteration, 0, HostBytes.of(parameters));
        separate.apply(iteration, 0);
        expected.subi(updateOut); // without parameters, the update is written into the gradient

        assertThat(parameters.data().asDouble()).as("%s update %d", type, iteration)
            .isEqualTo(expected.data().asDouble());
        assertThat(gradient.data().asDouble()).as("%s gradient only read", type)
            .isEqualTo(drawn.data().asDouble());
      }
      assertThat(parameters.data().asDouble()).as("moved").isNotEqualTo(initial);
    }
  }

  @Test
  void anUpdateSharedWithHelperThreadsIsTheOneThreadUpdateBitForBit() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      int length = 3 * HostAdam.PARALLEL_FROM + 123;
      INDArray oneThreadGradient = Nd4j.create(type, length);
      INDArray sharedGradient = Nd4j.create(type, length);
      HostAdam oneThread = HostAdam.forUpdater(new Adam(1e-3), oneThreadGradient, 1);
      HostAdam shared = HostAdam.forUpdater(new Adam(1e-3), sharedGradient, 4);
      INDArray oneThreadValues = Nd4j.rand(type, length);
      INDArray sharedValues = oneThreadValues.dup();
      java.util.Random random = new java.util.Random(11);
      for (int iteration = 0; iteration < 4; iteration++) {
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
          values[i] = random.nextGaussian() * Math.pow(10, random.nextDouble() * 6 - 4);
        }
        INDArray gradient = Nd4j.createFromArray(values).castTo(type);
        oneThreadGradient.assign(gradient);
        sharedGradient.assign(gradient);
        oneThread.apply(iteration, 0, HostBytes.of(oneThreadValues));
        shared.apply(iteration, 0, HostBytes.of(sharedValues));

        assertThat(sharedGradient.data().asDouble()).as("%s update %d", type, iteration)
            .isEqualTo(oneThreadGradient.data().asDouble());
        assertThat(sharedValues.data().asDouble()).as("%s parameters %d", type, iteration)
            .isEqualTo(oneThreadValues.data().asDouble());
      }
      oneThread.exportState();
      shared.exportState();
      Map<String, INDArray> oneThreadState = oneThread.stateArrays();
      Map<String, INDArray> sharedState = shared.stateArrays();
      for (String moment : oneThreadState.keySet()) {
        assertThat(sharedState.get(moment).data().asDouble()).as("%s moment %s", type, moment)
            .isEqualTo(oneThreadState.get(moment).data().asDouble());
      }
    }
  }

  /**
   * Tiles of the gradient made inside the update, by whichever thread takes them, give what
   * making them first and updating after gives: tiles that start and end inside the moments'
   * blocks and the chunks, with values before and after them, in both precisions and both loops,
   * on one thread and on several. Each tile is made once.
   */
  @Test
  void tilesMadeInsideTheUpdateGiveTheWholeGradientsUpdateBitForBit() {
    java.util.Random random = new java.util.Random(17);
    int length = 2 * HostAdam.PARALLEL_FROM + 301;
    int tilesStart = 1_000;
    int tileLength = 7_201;
    int tileCount = 9;
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      for (boolean vectors : new boolean[] {false, true}) {
        if (vectors && (type != DataType.FLOAT || !HostAdam.vectorsAvailable())) {
          continue;
        }
        for (int threads : new int[] {1, 2}) {
          String what = type + (vectors ? ", vector loop, " : ", plain loop, ") + threads + " threads";
          INDArray wholeGradient = Nd4j.create(type, length);
          INDArray tiledGradient = Nd4j.create(type, length);
          Adam config = new Adam(2e-3);
          HostAdam whole = HostAdam.forUpdater(config, wholeGradient, threads, vectors);
          HostAdam tiled = HostAdam.forUpdater(config, tiledGradient, threads, vectors);
          INDArray wholeValues = Nd4j.rand(type, length);
          INDArray tiledValues = wholeValues.dup();
          for (int iteration = 0; iteration < 3; iteration++) {
            INDArray gradient = randomGradient(random, length, type);
            wholeGradient.assign(gradient);
            // Outside the tiles the gradient is written before the update; inside, stale values
            // that only the tiles overwrite.
            tiledGradient.assign(gradient);
            tiledGradient.get(NDArrayIndex.interval(tilesStart, tilesStart + tileCount * tileLength)).assign(Double.NaN);
            CopiedTiles tiles = new CopiedTiles(gradient, tiledGradient, tilesStart, tileLength, tileCount);

            whole.apply(iteration, 0, HostBytes.of(wholeValues));
            tiled.apply(iteration, 0, HostBytes.of(tiledValues), tiles);

            assertThat(tiles.made).as("%s: tiles made, step %d", what, iteration).hasSize(tileCount);
            assertThat(tiledValues.data().asDouble()).as("%s: parameters after step %d", what, iteration)
                .isEqualTo(wholeValues.data().asDouble());
          }
          whole.exportState();
          tiled.exportState();
          for (String moment : HostAdam.VARIABLES) {
            assertThat(tiled.stateArrays().get(moment).data().asDouble()).as("%s: moment %s", what, moment)
                .isEqualTo(whole.stateArrays().get(moment).data().asDouble());
          }
        }
      }
    }
  }

  @Test
  void aTileThatCannotBeMadeFailsTheUpdateOnTheCallingThread() {
    int length = 2 * HostAdam.PARALLEL_FROM;
    INDArray gradient = Nd4j.create(DataType.FLOAT, length);
    HostAdam adam = HostAdam.forUpdater(new Adam(1e-3), gradient, 2);
    INDArray values = Nd4j.rand(DataType.FLOAT, length);
    GradientTiles failing = new CopiedTiles(gradient, gradient, 0, 4_096, 20) {
      @Override
      public void make(int tile) {
        if (tile == 7) {
          throw new IllegalStateException("tile 7 could not be made");
        }
        super.make(tile);
      }
    };

    assertThatThrownBy(() -> adam.apply(0, 0, HostBytes.of(values), failing))
        .isInstanceOf(IllegalStateException.class).hasMessage("tile 7 could not be made");
  }

  @Test
  void refusesTilesThatDoNotFollowOneAnotherWithinTheGradient() {
    INDArray gradient = Nd4j.create(DataType.FLOAT, 1_000);
    HostAdam adam = HostAdam.forUpdater(new Adam(1e-3), gradient, 1);
    ByteBuffer values = HostBytes.of(Nd4j.create(DataType.FLOAT, 1_000));

    assertThatThrownBy(() -> adam.apply(0, 0, values, new CopiedTiles(gradient, gradient, 900, 60, 2)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("within the gradient's 1000 values");
    GradientTiles gap = new CopiedTiles(gradient, gradient, 0, 100, 3) {
      @Override
      public int end(int tile) {
        return super.end(tile) - 1;
      }
    };
    assertThatThrownBy(() -> adam.apply(0, 0, values, gap))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tile 0");
    assertThatThrownBy(() -> adam.apply(0, 0, null, new CopiedTiles(gradient, gradient, 0, 100, 3)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("subtraction");
  }

  /** Tiles that copy their values from a gradient made beforehand, noting which were made. */
  private static class CopiedTiles implements GradientTiles {
    final java.util.Set<Integer> made = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final ByteBuffer source;
    private final ByteBuffer target;
    private final int width;
    private final int first;
    private final int tileLength;
    private final int count;

    CopiedTiles(INDArray source, INDArray target, int first, int tileLength, int count) {
      this.source = HostBytes.of(source);
      this.target = HostBytes.of(target);
      this.width = source.dataType().width();
      this.first = first;
      this.tileLength = tileLength;
      this.count = count;
    }

    @Override
    public int count() {
      return count;
    }

    @Override
    public int start(int tile) {
      return first + tile * tileLength;
    }

    @Override
    public int end(int tile) {
      return start(tile) + tileLength;
    }

    @Override
    public void make(int tile) {
      assertThat(made.add(tile)).as("tile %d made once", tile).isTrue();
      // Absolute copies: tiles are made on several threads at once.
      for (int i = start(tile) * width; i < end(tile) * width; i++) {
        target.put(i, source.get(i));
      }
    }
  }

  @Test
  void theVectorLoopRunsWhereTheVectorApiReadsByteBuffers() {
    // The build's test JVMs add jdk.incubator.vector (solstice.jvm.flags); Java 19 replaced the
    // API's ByteBuffer methods, which the probe must notice.
    assertThat(HostAdam.vectorsAvailable()).as("on Java %s", Runtime.version())
        .isEqualTo(Runtime.version().feature() <= 18);
  }

  @Test
  void theVectorLoopIsThePlainLoopBitForBit() {
    assumeTrue(HostAdam.vectorsAvailable(), "the Vector API as Java 17 and 18 have it");
    java.util.Random random = new java.util.Random(13);
    // Around the vector width (16 floats with AVX-512, 8 with AVX2), the block and the chunk, and
    // long enough to be shared with helper threads.
    for (int length : new int[] {1, 7, 8, 15, 16, 17, 33, 511, 512, 513, 2049, 2 * HostAdam.PARALLEL_FROM + 37}) {
      for (boolean inPlace : new boolean[] {true, false}) {
        INDArray plainGradient = Nd4j.create(DataType.FLOAT, length);
        INDArray vectorGradient = Nd4j.create(DataType.FLOAT, length);
        Adam config = Adam.builder().learningRate(3e-3).beta1(0.8).beta2(0.99).epsilon(1e-6).build();
        HostAdam plain = HostAdam.forUpdater(config, plainGradient, 2, false);
        HostAdam vector = HostAdam.forUpdater(config, vectorGradient, 2, true);
        INDArray plainValues = Nd4j.rand(DataType.FLOAT, length);
        INDArray vectorValues = plainValues.dup();
        int[] initialValues = bits(plainValues);
        int[] lastGradient = null;
        String what = length + " values, " + (inPlace ? "parameters updated" : "update written out");
        for (int iteration = 0; iteration < 4; iteration++) {
          INDArray gradient = randomGradient(random, length, DataType.FLOAT);
          if (length > 4) {
            gradient.putScalar(iteration, 0); // a zero gradient: the square root of zero
          }
          lastGradient = bits(gradient);
          plainGradient.assign(gradient);
          vectorGradient.assign(gradient);
          plain.apply(iteration, 0, inPlace ? HostBytes.of(plainValues) : null);
          vector.apply(iteration, 0, inPlace ? HostBytes.of(vectorValues) : null);

          assertThat(bits(vectorGradient)).as("%s, gradient after update %d", what, iteration)
              .isEqualTo(bits(plainGradient));
          assertThat(bits(vectorValues)).as("%s, parameters after update %d", what, iteration)
              .isEqualTo(bits(plainValues));
        }
        // Neither loop left things as they were: the parameters moved, or the update replaced the gradient.
        assertThat(inPlace ? bits(vectorValues) : bits(vectorGradient)).as("%s: changed", what)
            .isNotEqualTo(inPlace ? initialValues : lastGradient);
        plain.exportState();
        vector.exportState();
        for (String moment : HostAdam.VARIABLES) {
          assertThat(bits(vector.stateArrays().get(moment))).as("%s, moment %s", what, moment)
              .isEqualTo(bits(plain.stateArrays().get(moment)));
        }
      }
    }
  }

  /**
   * A first moment whose gradient stays zero decays by beta1 per step into the subnormal range,
   * where rounding would keep it for good; a gradient of about 1e-21 gives a subnormal second
   * moment at once. Both are stored as zero, the second only with an epsilon large enough that its
   * square root cannot move the update, and the parameters stay where ND4J's updater takes them.
   */
  @Test
  void momentsThatUnderflowAreStoredAsZeroAndTheParametersDoNotNotice() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      // float32's first moment underflows after about 800 steps of zero gradients, float64's after
      // about 6,800.
      int iterations = type == DataType.FLOAT ? 1_000 : 7_000;
      double tiny = type == DataType.FLOAT ? 1e-21 : 1e-160;
      for (double epsilon : new double[] {1e-8, 1e-12}) {
        int length = 1300; // three moment blocks
        Adam config = Adam.builder().learningRate(1e-3).epsilon(epsilon).build();
        INDArray hostGradient = Nd4j.create(type, length);
        HostAdam host = HostAdam.forUpdater(config, hostGradient);
        GradientUpdater<?> nd4j = config.instantiate(Nd4j.create(type, 1, config.stateSize(length)), true);
        INDArray hostValues = Nd4j.rand(type, length).addi(0.5);
        INDArray nd4jValues = hostValues.dup();
        java.util.Random random = new java.util.Random(17);
        for (int iteration = 0; iteration < iterations; iteration++) {
          double[] values = new double[length];
          for (int i = 0; i < length; i++) {
            boolean decaying = i < length / 2;
            values[i] = decaying ? (iteration == 0 ? random.nextGaussian() * 1e-2 : 0) : tiny * (1 + random.nextDouble());
          }
          INDArray gradient = Nd4j.createFromArray(values).castTo(type);
          hostGradient.assign(gradient);
          host.apply(iteration, 0, HostBytes.of(hostValues));
          nd4j.applyUpdater(gradient, iteration, 0);
          nd4jValues.subi(gradient);
        }
        String what = type + ", epsilon " + epsilon;
        assertClose(hostValues, nd4jValues, type == DataType.FLOAT ? 1e-6 : 1e-14, what + ": parameters");

        host.exportState();
        double[] first = host.stateArrays().get(AdamUpdater.M_STATE).toDoubleVector();
        double[] second = host.stateArrays().get(AdamUpdater.V_STATE).toDoubleVector();
        double[] nd4jFirst = nd4j.getState().get(AdamUpdater.M_STATE).toDoubleVector();
        double[] nd4jSecond = nd4j.getState().get(AdamUpdater.V_STATE).toDoubleVector();
        double smallestNormal = type == DataType.FLOAT ? Float.MIN_NORMAL : Double.MIN_NORMAL;
        boolean flushesSecond = epsilon >= SubnormalMoments.SECOND_MOMENT_EPSILON_FROM;
        for (int i = 0; i < length; i++) {
          if (i < length / 2) {
            assertThat(Math.abs(nd4jFirst[i])).as("%s: ND4J's first moment %d is subnormal", what, i)
                .isGreaterThan(0).isLessThan(smallestNormal);
            assertThat(first[i]).as("%s: first moment %d", what, i).isEqualTo(0.0);
          } else {
            assertThat(first[i]).as("%s: first moment %d, not flushed", what, i).isEqualTo(nd4jFirst[i]);
            assertThat(nd4jSecond[i]).as("%s: ND4J's second moment %d is subnormal", what, i)
                .isGreaterThan(0).isLessThan(smallestNormal);
            assertThat(second[i]).as("%s: second moment %d", what, i)
                .isEqualTo(flushesSecond ? 0.0 : nd4jSecond[i]);
          }
        }
      }
    }
  }

  @Test
  void theVectorLoopFlushesUnderflowingMomentsAsThePlainLoopDoes() {
    assumeTrue(HostAdam.vectorsAvailable(), "the Vector API as Java 17 and 18 have it");
    for (double epsilon : new double[] {1e-8, 1e-12}) {
      int length = 1300;
      Adam config = Adam.builder().learningRate(1e-3).epsilon(epsilon).build();
      INDArray plainGradient = Nd4j.create(DataType.FLOAT, length);
      INDArray vectorGradient = Nd4j.create(DataType.FLOAT, length);
      HostAdam plain = HostAdam.forUpdater(config, plainGradient, 1, false);
      HostAdam vector = HostAdam.forUpdater(config, vectorGradient, 1, true);
      INDArray plainValues = Nd4j.rand(DataType.FLOAT, length);
      INDArray vectorValues = plainValues.dup();
      java.util.Random random = new java.util.Random(19);
      for (int iteration = 0; iteration < 1_000; iteration++) {
        // A third decays to zero, a third gets gradients whose squares underflow, a third from
        // 1e-4 to 1 now and then.
        INDArray gradient = Nd4j.create(DataType.FLOAT, length);
        for (int i = 0; i < length; i++) {
          int kind = i % 3;
          double g = kind == 0 ? (iteration == 0 ? random.nextGaussian() : 0)
              : kind == 1 ? 1e-21 * random.nextGaussian()
              : random.nextInt(10) == 0 ? random.nextGaussian() * Math.pow(10, -4 * random.nextDouble()) : 0;
          gradient.putScalar(i, g);
        }
        plainGradient.assign(gradient);
        vectorGradient.assign(gradient);
        plain.apply(iteration, 0, HostBytes.of(plainValues));
        vector.apply(iteration, 0, HostBytes.of(vectorValues));
        assertThat(bits(vectorValues)).as("epsilon %s, parameters after update %d", epsilon, iteration)
            .isEqualTo(bits(plainValues));
      }
      plain.exportState();
      vector.exportState();
      for (String moment : HostAdam.VARIABLES) {
        int[] plainMoment = bits(plain.stateArrays().get(moment));
        assertThat(bits(vector.stateArrays().get(moment))).as("epsilon %s, moment %s", epsilon, moment)
            .isEqualTo(plainMoment);
        long zeros = java.util.Arrays.stream(plainMoment).filter(b -> b == 0).count();
        long subnormal = java.util.Arrays.stream(plainMoment)
            .filter(b -> b != 0 && Math.abs(Float.intBitsToFloat(b)) < Float.MIN_NORMAL).count();
        if (moment.equals(AdamUpdater.M_STATE) || epsilon >= SubnormalMoments.SECOND_MOMENT_EPSILON_FROM) {
          assertThat(subnormal).as("epsilon %s, moment %s: subnormal values", epsilon, moment).isZero();
          assertThat(zeros).as("epsilon %s, moment %s: flushed values", epsilon, moment)
              .isGreaterThanOrEqualTo(length / 3);
        } else {
          assertThat(subnormal).as("epsilon %s, second moment kept subnormal", epsilon).isGreaterThan(length / 4);
        }
      }
    }
  }

  private static int[] bits(INDArray floats) {
    float[] values = floats.toFloatVector();
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  @Test
  void itsMomentsMoveToAndFromNd4jsUpdater() {
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      double tolerance = type == DataType.FLOAT ? 2e-5 : 1e-12;
      int length = 1300; // three moment blocks, the last one short
      Adam config = new Adam(1e-2);
      GradientUpdater<?> nd4j = config.instantiate(Nd4j.create(type, 1, config.stateSize(length)), true);
      INDArray hostGradient = Nd4j.create(type, length);
      HostAdam host = HostAdam.forUpdater(config, hostGradient);
      java.util.Random random = new java.util.Random(5);
      for (int iteration = 0; iteration < 3; iteration++) {
        nd4j.applyUpdater(randomGradient(random, length, type), iteration, 0);
      }
      // Imported in two slices, as two parameters' would be, the first ending inside a block.
      nd4j.getState().forEach((name, moment) -> {
        INDArray flat = moment.reshape(length);
        host.importMoment(name, 0, flat.get(NDArrayIndex.interval(0, 700)));
        host.importMoment(name, 700, flat.get(NDArrayIndex.interval(700, length)));
      });

      for (int iteration = 3; iteration < 6; iteration++) {
        INDArray gradient = randomGradient(random, length, type);
        INDArray viaNd4j = gradient.dup();
        hostGradient.assign(gradient);
        nd4j.applyUpdater(viaNd4j, iteration, 0);
        host.apply(iteration, 0);
        assertClose(hostGradient, viaNd4j, tolerance, type + " update " + iteration + " after the move");
      }

      // The arrays hold the moments as of the last export: changing them changes nothing else.
      host.exportState();
      INDArray firstMoment = host.stateArrays().get(AdamUpdater.M_STATE);
      double[] exported = firstMoment.data().asDouble();
      firstMoment.assign(0);
      host.exportState();
      assertThat(firstMoment.data().asDouble()).as("%s: exported again", type).isEqualTo(exported);

      GradientUpdater<?> back = config.instantiate(Nd4j.create(type, 1, config.stateSize(length)), true);
      host.stateArrays().forEach((name, moment) -> back.getState().get(name).assign(moment.reshape(1, length)));
      INDArray gradient = randomGradient(random, length, type);
      INDArray viaBack = gradient.dup();
      hostGradient.assign(gradient);
      back.applyUpdater(viaBack, 6, 0);
      host.apply(6, 0);
      assertClose(viaBack, hostGradient, tolerance, type + " ND4J's updater continuing from the Java state");
    }
  }

  private static INDArray randomGradient(java.util.Random random, int length, DataType type) {
    double[] values = new double[length];
    for (int i = 0; i < length; i++) {
      values[i] = random.nextGaussian() * Math.pow(10, random.nextDouble() * 6 - 4);
    }
    return Nd4j.createFromArray(values).castTo(type);
  }

  @Test
  void leavesOtherUpdatersTypesAndViewsToNd4j() {
    assertThat(HostAdam.forUpdater(new Nadam(1e-3), Nd4j.create(DataType.FLOAT, 10))).isNull();
    assertThat(HostAdam.forUpdater(new Adam(1e-3), Nd4j.create(DataType.HALF, 10))).isNull();
    INDArray flat = Nd4j.create(DataType.FLOAT, 20);
    assertThat(HostAdam.forUpdater(new Adam(1e-3), flat.get(
        NDArrayIndex.interval(5, 15)))).isNull();
  }

  private static void assertClose(INDArray actual, INDArray expected, double relative, String what) {
    double[] a = actual.castTo(DataType.DOUBLE).toDoubleVector();
    double[] e = expected.castTo(DataType.DOUBLE).toDoubleVector();
    assertThat(a).as(what).hasSameSizeAs(e);
    for (int i = 0; i < a.length; i++) {
      double scale = Math.max(Math.abs(e[i]), 1e-30);
      assertThat(Math.abs(a[i] - e[i]) / scale).as("%s at %d: %s vs %s", what, i, a[i], e[i])
          .isLessThanOrEqualTo(relative);
    }
  }
}
