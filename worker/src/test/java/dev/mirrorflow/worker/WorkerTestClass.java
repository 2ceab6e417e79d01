package dev.mirrorflow.worker;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What most end-to-end test classes start from: a {@link MirrorTestBed} of their own, with a
 * worker in this JVM polling its task queue, made before the class's first test and closed after
 * its last.
 */
abstract class WorkerTestClass {

    @TempDir
    static Path state;

    static MirrorTestBed bed;

    @BeforeAll
    static void startBed() throws Exception {
        bed = MirrorTestBed.withWorker(state);
    }

    @AfterAll
    static void closeBed() {
        if (bed != null) {
            bed.close();
        }
    }
}
