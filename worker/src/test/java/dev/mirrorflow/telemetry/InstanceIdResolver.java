package dev.mirrorflow.telemetry;

import dev.mirrorflow.worker.UnprivilegedJvm;
import java.nio.file.Path;

/**
 * Resolves the instance id of the state directory given as the only argument, without any
 * environment override, and prints {@code <source> <id> <file>} after the result prefix; for
 * {@link InstanceIdStoreTest}'s checks that need file permissions to apply (see {@link UnprivilegedJvm}).
 */
final class InstanceIdResolver {

  public static void main(String[] args) {
    InstanceId id = new InstanceIdStore(Path.of(args[0]), name -> null).resolve();
    System.out.println(UnprivilegedJvm.RESULT_PREFIX + id.source() + " " + id.id() + " " + id.file());
  }
}
