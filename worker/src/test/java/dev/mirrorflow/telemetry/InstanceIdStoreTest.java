package dev.mirrorflow.telemetry;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mirrorflow.telemetry.InstanceId.Source;
import dev.mirrorflow.worker.ProcessRace;
import dev.mirrorflow.worker.UnprivilegedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

class InstanceIdStoreTest {

  private static final Map<String, String> NO_ENVIRONMENT = Map.of();
  private static final Instant NOW = Instant.parse("2024-05-06T07:08:09.123Z");

  @TempDir Path temp;

  private Path stateDir;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger storeLogger = (Logger) LoggerFactory.getLogger(InstanceIdStore.class);

  @BeforeEach
  void captureLogs() {
    stateDir = temp.resolve("state");
    logs.start();
    storeLogger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    storeLogger.detachAppender(logs);
  }

  @Test
  void shouldCreateAVersion4IdFileOnFirstStart() throws IOException {
    InstanceId result = store(NO_ENVIRONMENT).resolve();

    assertThat(result.source()).isEqualTo(Source.FILE_CREATED);
    assertThat(result.file()).isEqualTo(stateDir.resolve("instance-id"));
    assertThat(result.id().version()).isEqualTo(4);
    assertThat(result.id().variant()).isEqualTo(2);
    assertThat(Files.readString(result.file(), US_ASCII)).isEqualTo(result.id() + "\n");
    assertThat(Files.size(result.file())).isLessThan(1024);
    assertThat(fileNames(stateDir)).containsExactlyInAnyOrder("instance-id", "instance-id.lock");
    assertThat(logged(Level.INFO)).anySatisfy(message -> assertThat(message).contains(result.id().toString()));
  }

  @Test
  void shouldKeepTheSameIdAcrossRestarts() {
    InstanceId first = store(NO_ENVIRONMENT).resolve();
    InstanceId second = store(NO_ENVIRONMENT).resolve();

    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.source()).isEqualTo(Source.FILE_EXISTING);
  }

  @Test
  void shouldPreferTheEnvironmentOverrideAndLeaveTheFileAlone() throws IOException {
    UUID stored = store(NO_ENVIRONMENT).resolve().id();
    byte[] before = Files.readAllBytes(stateDir.resolve("instance-id"));
    UUID override = UUID.randomUUID();

    InstanceId result = store(Map.of("MIRRORFLOW_INSTANCE_ID", override.toString())).resolve();

    assertThat(result).isEqualTo(new InstanceId(override, Source.ENVIRONMENT, null));
    assertThat(Files.readAllBytes(stateDir.resolve("instance-id"))).isEqualTo(before);
    assertThat(override).isNotEqualTo(stored);
    assertThat(logged(Level.INFO))
        .anySatisfy(message -> assertThat(message).contains(override.toString(), "MIRRORFLOW_INSTANCE_ID"));
  }

  @Test
  void shouldNotCreateTheStateDirectoryWhenTheEnvironmentOverrides() {
    UUID override = UUID.randomUUID();

    InstanceId result = store(Map.of("MIRRORFLOW_INSTANCE_ID", override.toString())).resolve();

    assertThat(result.id()).isEqualTo(override);
    assertThat(stateDir).doesNotExist();
  }

  @Test
  void shouldIgnoreAnInvalidEnvironmentOverrideWithAWarning() {
    InstanceId result = store(Map.of("MIRRORFLOW_INSTANCE_ID", "not-a-uuid")).resolve();

    assertThat(result.source()).isEqualTo(Source.FILE_CREATED);
    assertThat(result.id().version()).isEqualTo(4);
    assertThat(logged(Level.WARN))
        .anySatisfy(message -> assertThat(message).contains("MIRRORFLOW_INSTANCE_ID", "not-a-uuid"));
  }

  static Stream<Arguments> corruptContents() {
    return Stream.of(
        Arguments.of("garbage", "this is not an id\n"),
        Arguments.of("empty", ""),
        Arguments.of("truncated UUID", "0f8fad5b-d9cb-469f-a165-7086772"),
        Arguments.of("UUID version 1", "c232ab00-9414-11ec-b3c8-9f68deced846\n"),
        Arguments.of("1 KiB or larger", "0f8fad5b-d9cb-469f-a165-70867728950e\n" + " ".repeat(1024)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptContents")
  void shouldSetACorruptFileAsideAndStoreANewId(String description, String content) throws IOException {
    Files.createDirectories(stateDir);
    Files.writeString(stateDir.resolve("instance-id"), content, US_ASCII);

    InstanceId result = store(NO_ENVIRONMENT).resolve();

    Path aside = stateDir.resolve("instance-id.corrupt-20240506T070809.123Z");
    assertThat(result.source()).isEqualTo(Source.REGENERATED_AFTER_CORRUPTION);
    assertThat(result.id().version()).isEqualTo(4);
    assertThat(Files.readString(result.file(), US_ASCII)).isEqualTo(result.id() + "\n");
    assertThat(Files.readString(aside, US_ASCII)).isEqualTo(content);
    assertThat(fileNames(stateDir))
        .containsExactlyInAnyOrder("instance-id", "instance-id.lock", aside.getFileName().toString());
    assertThat(logged(Level.WARN))
        .anySatisfy(message -> assertThat(message).contains("corrupt", aside.toString()));
    assertThat(store(NO_ENVIRONMENT).resolve().id()).isEqualTo(result.id());
  }

  @Test
  void shouldKeepEveryCorruptFileWhenTwoAreFoundAtTheSameInstant() throws IOException {
    Files.createDirectories(stateDir);
    Files.writeString(stateDir.resolve("instance-id"), "first", US_ASCII);
    store(NO_ENVIRONMENT).resolve();
    Files.writeString(stateDir.resolve("instance-id"), "second", US_ASCII);

    store(NO_ENVIRONMENT).resolve();

    assertThat(Files.readString(stateDir.resolve("instance-id.corrupt-20240506T070809.123Z"))).isEqualTo("first");
    assertThat(Files.readString(stateDir.resolve("instance-id.corrupt-20240506T070809.123Z-1"))).isEqualTo("second");
  }

  @Test
  void shouldFallBackToAnInMemoryIdWhenTheDirectoryIsNotWritable() throws Exception {
    Files.createDirectories(stateDir);
    Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("r-x------"));
    try {
      // In a JVM that the directory's mode binds, even when this one runs as root.
      String output = UnprivilegedJvm.run(InstanceIdResolver.class, stateDir.toString());

      String[] result = UnprivilegedJvm.result(output).split(" ");
      assertThat(result[0]).as(output).isEqualTo(Source.IN_MEMORY.name());
      assertThat(UUID.fromString(result[1]).version()).isEqualTo(4);
      assertThat(result[2]).isEqualTo("null");
      assertThat(output.lines().filter(line -> line.contains(" ERROR ")))
          .anySatisfy(line -> assertThat(line).contains(stateDir.toString(), "will not survive a restart"));
      assertThat(fileNames(stateDir)).isEmpty();
    } finally {
      Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void shouldFallBackToAnInMemoryIdWhenTheStateDirectoryCannotBeCreated() throws IOException {
    Path regularFile = Files.writeString(temp.resolve("regular-file"), "not a directory");
    stateDir = regularFile.resolve("state");

    InstanceId result = store(NO_ENVIRONMENT).resolve();

    assertInMemory(result, stateDir.toString());
    assertThat(Files.readString(regularFile)).isEqualTo("not a directory");
  }

  @Test
  void shouldFallBackToAnInMemoryIdWhenTheStateDirectoryIsARegularFile() throws IOException {
    Files.writeString(stateDir, "not a directory");

    InstanceId result = store(NO_ENVIRONMENT).resolve();

    assertInMemory(result, stateDir.toString());
    assertThat(Files.readString(stateDir)).isEqualTo("not a directory");
  }

  @Test
  void shouldReadAGoodIdWithoutTheLockWhenTheLockCannotBeTaken() throws IOException {
    UUID stored = store(NO_ENVIRONMENT).resolve().id();
    // A directory where the lock file belongs cannot be opened for writing, not even by root.
    Files.delete(stateDir.resolve("instance-id.lock"));
    Files.createDirectory(stateDir.resolve("instance-id.lock"));

    InstanceId result = store(NO_ENVIRONMENT).resolve();

    assertThat(result).isEqualTo(new InstanceId(stored, Source.FILE_EXISTING, stateDir.resolve("instance-id")));
    assertThat(logged(Level.WARN)).anySatisfy(message -> assertThat(message).contains("without the lock"));
  }

  @Test
  void shouldAgreeOnOneIdWhenThreadsStartTogether() throws Exception {
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<InstanceId>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> {
          start.await();
          return store(NO_ENVIRONMENT).resolve();
        }));
      }
      start.countDown();

      List<InstanceId> ids = new ArrayList<>();
      for (Future<InstanceId> result : results) {
        ids.add(result.get(30, TimeUnit.SECONDS));
      }
      assertThat(ids).extracting(InstanceId::id).containsOnly(ids.get(0).id());
      assertThat(ids).extracting(InstanceId::source).containsOnlyOnce(Source.FILE_CREATED);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldAgreeOnOneIdWhenProcessesStartTogether() throws Exception {
    List<String> results =
        ProcessRace.run(InstanceIdRacer.class, 4, stateDir, temp.resolve("signals"));

    List<String> ids = results.stream().map(result -> result.split(" ")[0]).toList();
    List<String> sources = results.stream().map(result -> result.split(" ")[1]).toList();
    assertThat(ids).containsOnly(ids.get(0));
    assertThat(sources).containsOnlyOnce("FILE_CREATED").containsOnly("FILE_CREATED", "FILE_EXISTING");
    Path file = stateDir.resolve("instance-id");
    assertThat(Files.readString(file, US_ASCII)).isEqualTo(ids.get(0) + "\n");
    assertThat(Files.size(file)).isLessThan(1024);
    assertThat(fileNames(stateDir)).containsExactlyInAnyOrder("instance-id", "instance-id.lock");
  }

  @Test
  void shouldPreferMirrorflowStateDirForTheDefaultStateDirectory() {
    Map<String, String> environment =
        Map.of("MIRRORFLOW_STATE_DIR", "/srv/mirrorflow", "XDG_STATE_HOME", "/home/u/.state");

    assertThat(InstanceIdStore.defaultStateDir(environment::get)).isEqualTo(Path.of("/srv/mirrorflow"));
  }

  @Test
  void shouldUseXdgStateHomeForTheDefaultStateDirectory() {
    Map<String, String> environment = Map.of("XDG_STATE_HOME", "/home/u/.state");

    assertThat(InstanceIdStore.defaultStateDir(environment::get)).isEqualTo(Path.of("/home/u/.state/mirrorflow"));
  }

  @Test
  void shouldUseLocalStateUnderHomeForTheDefaultStateDirectory() {
    Path expected = Path.of(System.getProperty("user.home"), ".local", "state", "mirrorflow");

    assertThat(InstanceIdStore.defaultStateDir(NO_ENVIRONMENT::get)).isEqualTo(expected);
    // The XDG specification says a relative XDG_STATE_HOME is invalid and must be ignored.
    assertThat(InstanceIdStore.defaultStateDir(Map.of("XDG_STATE_HOME", "relative")::get)).isEqualTo(expected);
  }

  private InstanceIdStore store(Map<String, String> environment) {
    return new InstanceIdStore(stateDir, environment::get, Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private void assertInMemory(InstanceId result, String pathInMessage) {
    assertThat(result.source()).isEqualTo(Source.IN_MEMORY);
    assertThat(result.file()).isNull();
    assertThat(result.id().version()).isEqualTo(4);
    assertThat(logged(Level.ERROR))
        .anySatisfy(message -> assertThat(message).contains(pathInMessage, "will not survive a restart"));
  }

  private List<String> logged(Level level) {
    return logs.list.stream()
        .filter(event -> event.getLevel() == level)
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  private static List<String> fileNames(Path directory) throws IOException {
    try (Stream<Path> files = Files.list(directory)) {
      return files.map(file -> file.getFileName().toString()).toList();
    }
  }

}
