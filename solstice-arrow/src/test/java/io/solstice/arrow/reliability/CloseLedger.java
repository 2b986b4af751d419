package io.solstice.arrow.reliability;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counts, per batch id, how often each batch a source created was closed. */
final class CloseLedger {

  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, AtomicInteger> closes = new ConcurrentHashMap<>();

  /** Registers a new batch and returns its id. */
  long created() {
    long id = ids.getAndIncrement();
    closes.put(id, new AtomicInteger());
    return id;
  }

  /** Records one close of batch {@code id}. */
  void closed(long id) {
    closes.get(id).incrementAndGet();
  }

  /** How many batches were created. */
  long count() {
    return ids.get();
  }

  /** The batches not closed exactly once, as "id: n closes". */
  List<String> notClosedExactlyOnce() {
    List<String> wrong = new ArrayList<>();
    closes.forEach((id, n) -> {
      if (n.get() != 1) {
        wrong.add(id + ": " + n.get() + " closes");
      }
    });
    return wrong;
  }
}
