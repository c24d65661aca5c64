package io.sluice.server;

import io.sluice.config.ConfigException;
import io.sluice.config.SluiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code ./sluice}: starts one node with configuration from defaults, file, env and arguments. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    if (SluiceConfig.helpRequested(args)) {
      System.out.println("Usage: ./sluice [--key=value ...] [--config <file>]\n");
      System.out.println(SluiceConfig.help());
      return;
    }
    SluiceConfig config;
    try {
      config = SluiceConfig.load(args);
    } catch (ConfigException e) {
      System.err.println(e.getMessage());
      System.exit(2);
      return;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    config.warnings().forEach(log::warn);
    Sluice node;
    try {
      node = Sluice.start(config);
    } catch (RuntimeException | Error e) {
      log.error("Sluice could not start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutting down");
                  node.stop();
                  log.info("stopped");
                },
                "sluice-shutdown"));
    log.info(node.describe());
  }
}
