package dev.mirrorflow.telemetry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * One contender in {@link InstanceIdStoreTest}'s race between processes: it announces that it is
 * ready, waits for the shared start signal, resolves the id and prints it on a line starting with
 * {@value #RESULT_PREFIX}.
 *
 * <p>Arguments: state directory, ready file to create, start file to wait for.
 */
final class InstanceIdRacer {

  static final String RESULT_PREFIX = dev.mirrorflow.worker.ProcessRace.RESULT_PREFIX;

  public static void main(String[] args) throws Exception {
    Path stateDir = Path.of(args[0]);
    Path ready = Path.of(args[1]);
    Path go = Path.of(args[2]);

    // The real environment is left out so that an override set on the build machine cannot hide the race.
    InstanceIdStore store = new InstanceIdStore(stateDir, name -> null);
    // Warming up the random generator now keeps its slow first use out of the race window.
    UUID.randomUUID();
    Files.createFile(ready);
    while (!Files.exists(go)) {
      Thread.onSpinWait();
    }

    InstanceId id = store.resolve();
    System.out.println(RESULT_PREFIX + id.id() + " " + id.source());
  }
}
