package dev.mirrorflow.cli;

import java.util.concurrent.CompletableFuture;

/**
 * Starts logging on a thread of its own, for a command whose main thread logs nothing on its way
 * (mirror status): logging's start is a good tenth of such a command, and picocli and the
 * catalog's login run meanwhile. Whatever may log on another thread first {@linkplain #await
 * waits} for it: a logging call while logging starts would be held, then replayed with SLF4J's
 * warnings on stderr.
 */
final class LoggingStart {

    private static final CompletableFuture<Void> STARTED = new CompletableFuture<>();
    private static volatile boolean inBackground;

    private LoggingStart() {}

    /** Starts logging, then runs {@code then} (more of the command's start) on the same thread; once per JVM. */
    static synchronized void inBackground(Runnable then) {
        if (inBackground) {
            return;
        }
        inBackground = true;
        Thread thread = new Thread(() -> {
            try {
                org.slf4j.LoggerFactory.getILoggerFactory();
            } finally {
                STARTED.complete(null);
            }
            try {
                then.run();
            } catch (RuntimeException | LinkageError e) {
                // Only a head start: the command does the same work itself when it needs it.
            }
        }, "mirrorflow-cli-logging-start");
        thread.setDaemon(true);
        thread.start();
    }

    /** Returns once logging has started, when it was started {@linkplain #inBackground in the background}. */
    static void await() {
        if (inBackground) {
            STARTED.join();
        }
    }
}
