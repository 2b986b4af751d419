package io.solstice.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.Version;
import io.solstice.arrow.ArrowBatch;
import io.solstice.arrow.ArrowSources;
import io.solstice.core.TensorBatch;
import io.solstice.core.data.DigitsDataset;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.ArrowUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spark 4.0 and Solstice's Arrow data plane share one JVM: the versions the build pins are
 * the ones loaded, and both sides work with them.
 */
class DependencyConvergenceTest {

  private static LocalSpark spark;

  @TempDir static Path dir;

  @BeforeAll
  static void start() {
    spark = LocalSpark.start("local[2]");
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @Test
  void theLoadedArrowNettyAndJacksonAreThePinnedVersions() {
    assertThat(VectorSchemaRoot.class.getPackage().getImplementationVersion())
        .isEqualTo("18.3.0");
    Map<String, Version> netty = Version.identify();
    assertThat(netty).containsKeys("netty-common", "netty-buffer", "netty-handler");
    assertThat(netty.values()).extracting(Version::artifactVersion)
        .containsOnly("4.1.119.Final");
    assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString())
        .isEqualTo("2.18.2");
    assertThat(com.fasterxml.jackson.module.scala.JacksonModule.class.getPackage()
        .getImplementationVersion()).startsWith("2.18.");
  }

  @Test
  void arrowFlightsProtobufMessagesLoadBesideSpark() throws Exception {
    // Flight's generated classes refuse a protobuf runtime older than their gencode (4.30.2);
    // Spark alone would bring 4.29.3, so this fails unless the parent's pin holds.
    Class<?> handshake = Class.forName("org.apache.arrow.flight.impl.Flight$HandshakeRequest");
    assertThat(handshake.getMethod("getDefaultInstance").invoke(null)).isNotNull();
    assertThat(com.google.protobuf.RuntimeVersion.MAJOR * 100 + com.google.protobuf.RuntimeVersion.MINOR)
        .as("protobuf runtime 4.30 or newer").isGreaterThanOrEqualTo(430);
  }

  @Test
  void aSparkJobAndAnArrowIpcReadThroughSolsticeRunInTheSameJvm() throws Exception {
    // Spark: a shuffle and JSON parsing (Jackson) on two local workers.
    Dataset<String> json = spark.session().createDataset(
        List.of("{\"k\":1,\"v\":2.5}", "{\"k\":2,\"v\":4.0}", "{\"k\":1,\"v\":1.5}"),
        Encoders.STRING());
    List<Row> sums = spark.session().read().json(json).groupBy("k").sum("v").orderBy("k")
        .collectAsList();
    assertThat(sums).extracting(r -> r.getDouble(1)).containsExactly(4.0, 4.0);

    // Spark's own Arrow code against the Arrow on the classpath.
    StructType sparkSchema = json.sparkSession().read().json(json).schema();
    Schema arrowSchema = ArrowUtils.toArrowSchema(sparkSchema, "UTC", true, false);
    assertThat(ArrowUtils.fromArrowSchema(arrowSchema)).isEqualTo(sparkSchema);

    // Solstice: an Arrow IPC file read through ArrowSources, every buffer released.
    TensorBatch digits = DigitsDataset.bundled().asBatch();
    Path file = ShardFiles.write(
        dir.resolve("digits.arrow"), digits.features(), digits.labels(), 0, 100, 25);
    try (BufferAllocator allocator = new RootAllocator()) {
      List<Integer> rows = ArrowSources.ipcFile(file, allocator)
          .map(batch -> {
            try (ArrowBatch owned = batch) {
              return owned.rowCount();
            }
          })
          .collectList()
          .block();
      assertThat(rows).containsExactly(25, 25, 25, 25);
    }
    assertThat(new ObjectMapper().readTree("{\"ok\":true}").get("ok").asBoolean()).isTrue();
  }
}
