package dev.mirrorflow.cli;

import dev.mirrorflow.worker.WorkerRuntime;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {"Runs a mirrorflow worker: polls the task queue and runs mirror workflows and activities "
                + "until SIGTERM or SIGINT, then finishes what it is doing and exits.",
                "Run more workers on the same task queue to scale out."})
final class WorkerCommand implements Callable<Integer> {

    @Mixin
    ConnectionOptions connection;

    @Mixin
    StateDirOption stateDir;

    @Override
    public Integer call() throws InterruptedException {
        WorkerRuntime runtime = WorkerRuntime.start(connection.catalogConfig(), connection.temporalSettings(),
                stateDir.resolve());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtime.close();
            stopped.countDown();
        }, "mirrorflow-shutdown"));
        System.out.println("mirrorflow worker " + runtime.identity() + " running; stop with Ctrl-C or SIGTERM");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
