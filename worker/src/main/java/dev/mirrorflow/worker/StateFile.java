package dev.mirrorflow.worker;

import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small file in the state directory that several processes on one machine share, such as the
 * instance id or the secret key: it is created or replaced only under a lock file, and only whole,
 * so a reader sees either the old content or all of the new one, never a part.
 *
 * <p>Typical use: {@code underLock(() -> exists() ? parse(read(max)) : store(generate()))}, where
 * {@code store} calls {@link #replace}. Reading without the lock is safe too (the file only ever
 * changes by renaming a complete file over it), which is how a read-only directory still serves an
 * existing file.
 */
public final class StateFile {

    private static final Logger log = LoggerFactory.getLogger(StateFile.class);

    // A FileLock belongs to the whole process: a second lock on the same file from this JVM throws
    // OverlappingFileLockException instead of waiting. Threads of one process therefore queue here
    // before they take the file lock that keeps other processes out.
    private static final Object IN_PROCESS_LOCK = new Object();

    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private final Path directory;
    private final Path file;
    private final Path lockFile;
    private final Path temporary;

    /**
     * @param directory the state directory; created when the lock is first taken
     * @param name the file's name; the lock file is {@code <name>.lock}, the temporary file
     *     {@code <name>.tmp}
     */
    public StateFile(Path directory, String name) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.file = directory.resolve(name);
        this.lockFile = directory.resolve(name + ".lock");
        // A fixed name is safe because only the lock holder writes it, and it means a temporary file
        // left by a crash is simply replaced by the next writer instead of piling up.
        this.temporary = directory.resolve(name + ".tmp");
    }

    public Path path() {
        return file;
    }

    public Path directory() {
        return directory;
    }

    public boolean exists() {
        return Files.exists(file);
    }

    /** Work done while holding the lock; it may throw I/O errors, which pass through. */
    @FunctionalInterface
    public interface LockedWork<T> {
        T run() throws IOException;
    }

    /**
     * Creates the directory if needed, then runs {@code work} while holding this file's lock, so
     * that threads and processes that want to create or replace the file take turns.
     *
     * @throws IOException when the directory cannot be created or the lock file cannot be opened
     *     or locked, or when {@code work} throws one
     */
    public <T> T underLock(LockedWork<T> work) throws IOException {
        synchronized (IN_PROCESS_LOCK) {
            createDirectory();
            // The lock file is never deleted: removing it while another process waits on it would let
            // a third process lock a new file of the same name and run alongside the second.
            try (FileChannel lockChannel = FileChannel.open(lockFile, CREATE, WRITE);
                    FileLock ignored = lockChannel.lock()) {
                return work.run();
            }
        }
    }

    /**
     * Creates the state directory, and any parent that is missing, readable by the owner only
     * (0700) whatever the umask, since it holds the secret key. An existing directory keeps its
     * permissions: it is the operator's.
     */
    private void createDirectory() throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(directory);
            return;
        }
        Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        // The umask may still have taken bits away, even the owner's: the directory ends at exactly 0700.
        Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
    }

    /** Reads at most {@code maxBytes}; a caller that gets that many knows the file is too large. */
    public byte[] read(int maxBytes) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(maxBytes);
        }
    }

    /** Replaces the file with {@code content}, keeping the default permissions. Only under the lock. */
    public void replace(byte[] content) throws IOException {
        replace(content, null);
    }

    /**
     * Replaces the file so that a reader sees either the old file or the whole new one: the bytes go
     * to a temporary file that is flushed to disk, renamed over the file, and then the directory
     * entry is flushed too. Must be called with the lock held (inside {@link #underLock}).
     *
     * @param permissions the POSIX permissions the file has from its first byte on (the temporary
     *     file is created with them, so there is no moment in which others may read it), or null for
     *     the defaults; a file system without POSIX permissions then is an {@link IOException}
     */
    public void replace(byte[] content, Set<PosixFilePermission> permissions) throws IOException {
        try {
            // A leftover temporary file keeps its old permissions when reopened, so start afresh.
            Files.deleteIfExists(temporary);
            try (FileChannel channel = FileChannel.open(temporary, Set.<OpenOption>of(CREATE_NEW, WRITE),
                    attributes(permissions))) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(temporary, file, ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        forceDirectory();
    }

    private FileAttribute<?>[] attributes(Set<PosixFilePermission> permissions) throws IOException {
        if (permissions == null) {
            return new FileAttribute<?>[0];
        }
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            throw new IOException("cannot restrict " + file + " to " + PosixFilePermissions.toString(permissions)
                    + ": this file system has no POSIX permissions");
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)};
    }

    /** Makes the rename durable. Some file systems cannot flush a directory; the rename still stands. */
    private void forceDirectory() {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        } catch (IOException e) {
            log.debug("Could not flush directory {} after replacing {}: {}", directory, file.getFileName(),
                    e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
