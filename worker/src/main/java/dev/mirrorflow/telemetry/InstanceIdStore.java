package dev.mirrorflow.telemetry;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;

import dev.mirrorflow.telemetry.InstanceId.Source;
import dev.mirrorflow.worker.EnvironmentVariables;
import dev.mirrorflow.worker.StateFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the worker's instance id, a random (version 4) UUID, in the file {@value #FILE_NAME} under a
 * state directory, so that telemetry and Temporal see the same instance across restarts.
 *
 * <p>The first start generates and stores the id, later starts read it back. The environment
 * variable {@value #ENV_INSTANCE_ID} overrides the file. A corrupt file is kept aside and replaced.
 * When the directory cannot be used, the id lives in memory only and an error is logged; {@link
 * #resolve()} never throws for file system trouble, because a worker without a stable id is better
 * than no worker.
 */
public final class InstanceIdStore {

  public static final String FILE_NAME = "instance-id";
  public static final String LOCK_FILE_NAME = FILE_NAME + ".lock";
  public static final String ENV_INSTANCE_ID = EnvironmentVariables.INSTANCE_ID;
  public static final String ENV_STATE_DIR = EnvironmentVariables.STATE_DIR;

  /** A file of this size or more was not written by us, so it is treated as corrupt unread. */
  static final int MAX_FILE_BYTES = 1024;

  private static final Logger log = LoggerFactory.getLogger(InstanceIdStore.class);

  // UUID.fromString accepts short forms such as "1-1-1-1-1", so a truncated id would pass it.
  private static final Pattern CANONICAL_UUID =
      Pattern.compile("\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

  private static final DateTimeFormatter ASIDE_TIMESTAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path stateDir;
  private final StateFile stateFile;
  private final Path idFile;
  private final Function<String, String> environment;
  private final Clock clock;

  /**
   * @param stateDir the directory that holds the id file; created if missing
   * @param environment looks up environment variables, {@code System::getenv} in production
   */
  public InstanceIdStore(Path stateDir, Function<String, String> environment) {
    this(stateDir, environment, Clock.systemUTC());
  }

  /** Takes a clock so that tests can predict the name a corrupt file is moved to. */
  InstanceIdStore(Path stateDir, Function<String, String> environment, Clock clock) {
    this.stateDir = Objects.requireNonNull(stateDir, "stateDir");
    this.stateFile = new StateFile(stateDir, FILE_NAME);
    this.idFile = stateFile.path();
    this.environment = Objects.requireNonNull(environment, "environment");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The state directory to use when none is given on the command line: {@value #ENV_STATE_DIR} if
   * set, else {@code $XDG_STATE_HOME/mirrorflow}, else {@code ~/.local/state/mirrorflow}.
   *
   * @param environment looks up environment variables, {@code System::getenv} in production
   */
  public static Path defaultStateDir(Function<String, String> environment) {
    String explicit = environment.apply(ENV_STATE_DIR);
    if (explicit != null && !explicit.isBlank()) {
      return Path.of(explicit);
    }
    // The XDG base directory specification says to ignore a relative XDG_STATE_HOME.
    String xdgStateHome = environment.apply("XDG_STATE_HOME");
    if (xdgStateHome != null && !xdgStateHome.isBlank() && Path.of(xdgStateHome).isAbsolute()) {
      return Path.of(xdgStateHome, "mirrorflow");
    }
    return Path.of(System.getProperty("user.home"), ".local", "state", "mirrorflow");
  }

  /**
   * Returns the instance id: from the environment if overridden, else from the id file, creating or
   * replacing the file as needed. Processes that call this at once on the same directory get the
   * same id.
   */
  public InstanceId resolve() {
    UUID fromEnvironment = overrideFromEnvironment();
    if (fromEnvironment != null) {
      log.info(
          "Instance id {} comes from the environment variable {}; {} is neither read nor written",
          fromEnvironment, ENV_INSTANCE_ID, idFile);
      return new InstanceId(fromEnvironment, Source.ENVIRONMENT, null);
    }
    try {
      return stateFile.underLock(this::resolveUnderFileLock);
    } catch (IOException e) {
      return resolveWithoutLock(e);
    }
  }

  private UUID overrideFromEnvironment() {
    String value = environment.apply(ENV_INSTANCE_ID);
    // An empty value usually comes from a template that left the variable unset, so it means "unset".
    if (value == null || value.isBlank()) {
      return null;
    }
    try {
      // Any UUID version is accepted: an operator may derive the id on purpose, e.g. a name-based v5.
      return parseUuid(value.strip());
    } catch (IllegalArgumentException e) {
      log.warn(
          "Ignoring {}='{}': {}; using the id kept in {} instead. Set it to a UUID or unset it",
          ENV_INSTANCE_ID, value, e.getMessage(), idFile);
      return null;
    }
  }

  /** Runs with the state file's lock held. */
  private InstanceId resolveUnderFileLock() throws IOException {
    if (!stateFile.exists()) {
      return storeNewId(Source.FILE_CREATED);
    }
    try {
      UUID id = parseStoredId(readIdFile());
      log.info("Instance id {} read from {}", id, idFile);
      return new InstanceId(id, Source.FILE_EXISTING, idFile);
    } catch (IllegalArgumentException corruption) {
      Path aside = moveAside();
      // Logged before the write, so that the operator learns where the old file went even if the
      // write then fails.
      log.warn(
          "Instance id file {} was corrupt ({}); moved it to {} and storing a new instance id."
              + " Telemetry and Temporal will see this worker as a new instance",
          idFile, corruption.getMessage(), aside);
      return storeNewId(Source.REGENERATED_AFTER_CORRUPTION);
    }
  }

  private InstanceId storeNewId(Source source) throws IOException {
    UUID id = UUID.randomUUID();
    stateFile.replace((id + "\n").getBytes(US_ASCII));
    log.info("Instance id {} generated and stored in {}", id, idFile);
    return new InstanceId(id, source, idFile);
  }

  /**
   * Called when the directory cannot be locked or written. A read-only directory may still hold a
   * good id from an earlier start; reading it without the lock is safe because the file only ever
   * changes by renaming a complete file over it.
   */
  private InstanceId resolveWithoutLock(IOException cause) {
    String why = describe(cause);
    try {
      UUID id = parseStoredId(readIdFile());
      log.warn(
          "Instance id {} read from {} without the lock, which could not be taken ({}); the file can"
              + " be read but not replaced",
          id, idFile, why);
      return new InstanceId(id, Source.FILE_EXISTING, idFile);
    } catch (IOException | IllegalArgumentException unusable) {
      UUID id = UUID.randomUUID();
      log.error(
          "Cannot keep the instance id in {} ({}); using the in-memory instance id {}, which will not"
              + " survive a restart. Make the directory writable, choose another state directory"
              + " (--state-dir or {}), or set {}",
          idFile, why, id, ENV_STATE_DIR, ENV_INSTANCE_ID);
      return new InstanceId(id, Source.IN_MEMORY, null);
    }
  }

  private byte[] readIdFile() throws IOException {
    return stateFile.read(MAX_FILE_BYTES);
  }

  /** Parses what {@link #storeNewId} stores; the message of the exception says what is wrong. */
  private static UUID parseStoredId(byte[] content) {
    if (content.length == 0) {
      throw new IllegalArgumentException("the file is empty");
    }
    if (content.length >= MAX_FILE_BYTES) {
      throw new IllegalArgumentException("the file is 1 KiB or larger");
    }
    UUID id = parseUuid(new String(content, US_ASCII).strip());
    // Variant 2 is the RFC 4122 layout; only there does version() mean anything.
    if (id.variant() != 2 || id.version() != 4) {
      throw new IllegalArgumentException(
          "the UUID " + id + " is not a random (version 4) RFC 4122 UUID");
    }
    return id;
  }

  private static UUID parseUuid(String text) {
    if (!CANONICAL_UUID.matcher(text).matches()) {
      throw new IllegalArgumentException("not a UUID (expected 8-4-4-4-12 hexadecimal digits)");
    }
    UUID id = UUID.fromString(text);
    if (id.getMostSignificantBits() == 0 && id.getLeastSignificantBits() == 0) {
      throw new IllegalArgumentException("the nil UUID identifies nothing");
    }
    return id;
  }

  /** Renames the corrupt id file to a name that says when it was found, keeping its content. */
  private Path moveAside() throws IOException {
    String stem = FILE_NAME + ".corrupt-" + ASIDE_TIMESTAMP.format(clock.instant());
    Path aside = stateDir.resolve(stem);
    for (int n = 1; Files.exists(aside, LinkOption.NOFOLLOW_LINKS); n++) {
      aside = stateDir.resolve(stem + "-" + n);
    }
    Files.move(idFile, aside, ATOMIC_MOVE);
    return aside;
  }

  private static String describe(IOException e) {
    return e.getClass().getSimpleName() + ": " + e.getMessage();
  }
}
