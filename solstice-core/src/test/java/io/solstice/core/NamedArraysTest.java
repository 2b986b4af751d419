package io.solstice.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class NamedArraysTest {

  @Test
  void equalityIsByNameShapeTypeAndExactValue() {
    NamedArrays a = NamedArrays.builder().put("w", Nd4j.createFromArray(1f, 2f)).scalar("step", 3L).build();
    NamedArrays same = NamedArrays.builder().put("w", Nd4j.createFromArray(1f, 2f)).scalar("step", 3L).build();
    NamedArrays otherValue = NamedArrays.builder().put("w", Nd4j.createFromArray(1f, 2.0000002f)).scalar("step", 3L).build();
    NamedArrays otherType = NamedArrays.builder().put("w", Nd4j.createFromArray(1d, 2d)).scalar("step", 3L).build();

    assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
    assertThat(a).isNotEqualTo(otherValue).isNotEqualTo(otherType);
  }

  @Test
  void storesScalarsAsOneElementArrays() {
    NamedArrays state = NamedArrays.builder().scalar("seed", 42L).scalar("lr", 0.5).build();

    assertThat(state.getLong("seed")).isEqualTo(42L);
    assertThat(state.getDouble("lr")).isEqualTo(0.5);
    assertThat(state.get("seed").shape()).containsExactly(1L);
  }

  @Test
  void checkedGetNamesTheArrayThatDoesNotFit() {
    NamedArrays state = NamedArrays.builder().put("layer0/W", Nd4j.zeros(DataType.FLOAT, 2, 3)).build();

    assertThatThrownBy(() -> state.get("layer0/W", DataType.FLOAT, 3, 2))
        .hasMessage("array 'layer0/W' is FLOAT[2, 3] but FLOAT[3, 2] was expected");
    assertThatThrownBy(() -> state.get("layer1/W"))
        .hasMessage("no array named 'layer1/W'; present: [layer0/W]");
  }

  @Test
  void scopesPrefixesAndZipsByName() {
    NamedArrays inner = NamedArrays.builder().put("W", Nd4j.createFromArray(2f, 4f)).build();
    NamedArrays outer = NamedArrays.builder().putAll("layer0", inner).build();

    assertThat(outer.names()).containsExactly("layer0/W");
    assertThat(outer.scope("layer0")).isEqualTo(inner);
    assertThat(inner.prefixed("layer0")).isEqualTo(outer);

    NamedArrays averaged = inner.zipWith(inner, (x, y) -> x.add(y).divi(2));
    assertThat(averaged).isEqualTo(inner);
    assertThatThrownBy(() -> inner.zipWith(outer, (x, y) -> x)).hasMessageContaining("different arrays");
  }

  @Test
  void copyIsDetachedFromInPlaceUpdates() {
    var w = Nd4j.createFromArray(1f, 2f);
    NamedArrays live = NamedArrays.builder().put("w", w).build();
    NamedArrays snapshot = live.copy();

    w.addi(1);

    assertThat(snapshot.get("w").toFloatVector()).containsExactly(1f, 2f);
    assertThat(live).isNotEqualTo(snapshot);
  }

  @Test
  void rejectsDuplicateAndEmptyNames() {
    assertThatThrownBy(() -> NamedArrays.builder().scalar("a", 1L).scalar("a", 2L))
        .hasMessage("duplicate array name 'a'");
    assertThatThrownBy(() -> NamedArrays.builder().scalar("", 1L)).hasMessageContaining("non-empty");
  }
}
