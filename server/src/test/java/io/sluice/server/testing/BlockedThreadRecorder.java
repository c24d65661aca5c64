package io.sluice.server.testing;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A logback appender that keeps every Vert.x blocked-thread warning for tests to assert on. */
public final class BlockedThreadRecorder extends AppenderBase<ILoggingEvent> {
  private static final List<String> WARNINGS = new CopyOnWriteArrayList<>();

  @Override
  protected void append(ILoggingEvent event) {
    WARNINGS.add(event.getFormattedMessage());
  }

  public static List<String> warnings() {
    return List.copyOf(WARNINGS);
  }

  public static void clear() {
    WARNINGS.clear();
  }
}
