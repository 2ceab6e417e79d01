package dev.mirrorflow.telemetry;

import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * The worker's instance id and where it came from.
 *
 * @param id the id, used as OpenTelemetry {@code service.instance.id} and in the Temporal identity
 * @param source where the id came from
 * @param file the file that holds the id; {@code null} when the id is not kept in a file
 *     ({@link Source#ENVIRONMENT}, {@link Source#IN_MEMORY})
 */
public record InstanceId(UUID id, Source source, Path file) {

  /** Where an instance id came from. */
  public enum Source {
    /** Read from the file an earlier start wrote. */
    FILE_EXISTING(true),
    /** Generated on this start and stored, because there was no file yet. */
    FILE_CREATED(true),
    /** Generated on this start and stored, because the file was corrupt; the old file was kept aside. */
    REGENERATED_AFTER_CORRUPTION(true),
    /** Taken from the environment variable {@code MIRRORFLOW_INSTANCE_ID}; no file was read or written. */
    ENVIRONMENT(false),
    /** Generated on this start and kept only in memory, because the state directory was not usable. */
    IN_MEMORY(false);

    private final boolean storedInFile;

    Source(boolean storedInFile) {
      this.storedInFile = storedInFile;
    }

    /** Whether an id from this source survives a restart through the id file. */
    public boolean storedInFile() {
      return storedInFile;
    }
  }

  public InstanceId {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(source, "source");
    // A file for an id that has none, or none for an id that has one, would mislead whoever reports it.
    if ((file != null) != source.storedInFile()) {
      throw new IllegalArgumentException("source " + source + " does not match file " + file);
    }
  }
}
