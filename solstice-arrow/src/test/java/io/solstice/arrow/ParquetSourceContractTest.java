package io.solstice.arrow;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * {@link SourceContract} for {@link ArrowSources#parquet} (one file per batch, read in name
 * order); broken input: two files that disagree on a column's type.
 */
class ParquetSourceContractTest extends SourceContract {
  @TempDir Path dir;

  @Override
  protected Flux<ArrowBatch> source() throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    for (int b = 0; b < BATCHES; b++) {
      ParquetTest.writeParquet(data.resolve("part-" + b + ".parquet"), allocator, (long) b * ROWS, 1, ROWS);
    }
    return ArrowSources.parquet(data, allocator, ReadOptions.defaults());
  }

  @Override
  protected Flux<ArrowBatch> broken() throws Exception {
    Path data = Files.createDirectories(dir.resolve("broken"));
    ParquetTest.writeParquet(data.resolve("a.parquet"), allocator, 0, 1, ROWS);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(List.of(Field.nullable("id", new ArrowType.Utf8()))), allocator);
        ArrowStreamWriter writer = new ArrowStreamWriter(root, null, bytes)) {
      root.allocateNew();
      ((VarCharVector) root.getVector("id")).setSafe(0, "x".getBytes());
      root.setRowCount(1);
      writer.start();
      writer.writeBatch();
      writer.end();
    }
    ParquetTest.writeParquet(data.resolve("b.parquet"), allocator, bytes.toByteArray());
    return ArrowSources.parquet(data, allocator, ReadOptions.defaults());
  }

  @Override
  protected Class<? extends Throwable> brokenError() {
    return SchemaChangeException.class;
  }
}
