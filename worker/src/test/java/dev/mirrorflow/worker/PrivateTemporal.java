package dev.mirrorflow.worker;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Temporal dev server of one test's own, on free ports, persisting to a SQLite file so that it
 * can be killed with SIGKILL and started again with everything it had: what a test needs to
 * restart Temporal without disturbing the dev environment's server that other tests share.
 */
final class PrivateTemporal implements AutoCloseable {

    private final Path database;
    private final Path log;
    private final int port;
    private Process server;

    private PrivateTemporal(Path dir) throws IOException {
        this.database = dir.resolve("temporal.db");
        this.log = dir.resolve("temporal.log");
        try (ServerSocket free = new ServerSocket(0)) {
            this.port = free.getLocalPort();
        }
    }

    static PrivateTemporal start(Path dir) throws Exception {
        // A free port can be taken by another process between finding it and the server binding
        // it (the other test JVM starts servers and workers too): a first start that fails is
        // made again on other ports, twice at most.
        for (int attempt = 1; ; attempt++) {
            PrivateTemporal temporal = new PrivateTemporal(dir);
            try {
                temporal.start();
                return temporal;
            } catch (IllegalStateException e) {
                temporal.close();
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** Starts the server on its file and waits until it answers. */
    void start() throws Exception {
        server = new ProcessBuilder(List.of(MirrorTestBed.temporalCli(), "server", "start-dev", "--ip", "127.0.0.1",
                "--port", String.valueOf(port), "--headless", "--db-filename", database.toString(),
                "--namespace", MirrorTestBed.NAMESPACE, "--search-attribute", "MirrorName=Keyword", "--log-level", "warn"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File(log.toString())))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!healthy()) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the private Temporal dev server on " + address()
                        + " did not come up; see " + log);
            }
            Thread.sleep(250);
        }
    }

    /** Kills the server with SIGKILL: no shutdown, as a crashed host would. */
    void kill() throws InterruptedException {
        server.destroyForcibly();
        server.waitFor(30, TimeUnit.SECONDS);
    }

    private boolean healthy() throws IOException, InterruptedException {
        Process check = new ProcessBuilder(List.of(MirrorTestBed.temporalCli(), "operator", "cluster", "health",
                "--address", address()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        if (!check.waitFor(10, TimeUnit.SECONDS)) {
            check.destroyForcibly();
            return false;
        }
        return check.exitValue() == 0;
    }

    @Override
    public void close() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                kill();
            }
        }
    }
}
