package dev.mirrorflow.connector.load;

import dev.mirrorflow.catalog.SnapshotPartition;
import dev.mirrorflow.catalog.SnapshotPartitionRepository;
import dev.mirrorflow.connector.TableId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a mirror's initial load, for every source: plans it once, then copies the partitions the
 * catalog does not have as done, several at a time. What a partition is and how it moves is the
 * connectors' ({@link Transfers}); the bookkeeping is this class's, written once.
 *
 * <p>Each of {@code parallelism} workers opens its own {@link Transfer} (its own source and
 * destination connections) and takes partitions one after another. After each partition the
 * destination holds it with its marker, written in the same destination transaction as its rows
 * (so a partition is in the destination exactly once whatever crashes), then the catalog marks it
 * done, then the progress listener hears of it. A stop request is honoured between partitions:
 * partitions in flight finish, no new one starts. A restarted run (after a crash, a pause or a
 * failed attempt) copies only what is still missing.
 */
public final class PartitionedLoader {

    /**
     * How a pair of connectors moves one load's partitions. Built for one load; {@link #open()}
     * is called once per loader worker, from that worker's thread.
     */
    public interface Transfers {

        /**
         * Splits these tables into partitions, each with a range the source understands as text.
         * Called once per table and load: planning it again after it grew would number other
         * ranges under the same partition numbers.
         */
        List<SnapshotPartition.Plan> plan(List<TableLoad> tables) throws Exception;

        /** Runs once before any partition is copied (e.g. creates the destination's marker table). */
        void prepare() throws Exception;

        /** A worker's own connections. */
        Transfer open() throws Exception;

        /**
         * How large the partition is, in the source's own unit, to copy the largest first; empty
         * for a partition open towards the end of its table.
         */
        OptionalLong span(SnapshotPartition partition);

        /** The partition's range, for messages: "blocks [0, 128)". */
        String describe(SnapshotPartition partition);

        /** What to do about a failure a user causes, as "; ..." to append to its message, or "". */
        String hint(Throwable cause);

        /** Whether some partition could not read the load's consistent view (e.g. an exported snapshot) because it was gone. */
        boolean consistentViewLost();

        /**
         * Runs once no partition of the load is left to copy, also in a run that finds them all
         * done (a crash after the last one): completes the destination tables (e.g. builds the
         * keys a load copied without). Must be idempotent; the load counts as complete only
         * after it returned. Runs beside the progress reports, so it may take long.
         */
        default void finish(List<TableLoad> tables) throws Exception {}
    }

    /** One worker's way of copying partitions: its own source and destination connections. */
    public interface Transfer extends AutoCloseable {

        /**
         * Copies the partition unless the destination's marker says it is there already; the
         * rows and the marker commit in one destination transaction.
         *
         * @throws Exception when either side fails; nothing of the partition is then committed
         */
        PartitionCopy copy(TableLoad table, SnapshotPartition partition) throws Exception;

        /**
         * Called by the worker that marked the last of the run's partitions of {@code table}
         * done, so that the table can be completed while other workers still copy other tables
         * ({@link Transfers#finish} runs anyway).
         */
        default void tableLoaded(TableLoad table) throws Exception {}

        @Override
        void close();
    }

    private static final Logger log = LoggerFactory.getLogger(PartitionedLoader.class);

    private final SnapshotPartitionRepository partitions;
    private final SnapshotLoadOptions options;

    public PartitionedLoader(SnapshotPartitionRepository partitions, SnapshotLoadOptions options) {
        this.partitions = partitions;
        this.options = options;
    }

    /**
     * Plans the partitions of the tables the load has not planned yet and returns all of the
     * load's partitions. A table is planned once per load: planning it again after it grew would
     * number different ranges under the same partition numbers.
     */
    public List<SnapshotPartition> plan(SnapshotLoad load, List<TableLoad> tables, Transfers transfers) {
        List<SnapshotPartition> planned = partitions.list(load.mirrorId(), load.loadGeneration());
        Set<String> plannedTables = planned.stream().map(SnapshotPartition::tableName).collect(Collectors.toSet());
        List<TableLoad> missing = tables.stream().filter(t -> !plannedTables.contains(t.partitionTableName()))
                .toList();
        if (missing.isEmpty()) {
            return planned;
        }
        List<SnapshotPartition.Plan> plans;
        try {
            plans = transfers.plan(missing);
        } catch (Exception e) {
            throw new SnapshotLoadException(load + ": planning the partitions of "
                    + missing.stream().map(TableLoad::source).toList() + " failed: " + firstLine(e), e);
        }
        partitions.plan(load.mirrorId(), load.loadGeneration(), plans);
        return partitions.list(load.mirrorId(), load.loadGeneration());
    }

    /**
     * Plans the load if needed and copies its unfinished partitions.
     *
     * @param stopRequested asked by the workers before each partition, from their own threads, so
     *     it must be safe to call from any thread
     * @throws SnapshotLoadException when a partition fails; what finished before stays done
     */
    public SnapshotLoadResult run(SnapshotLoad load, List<TableLoad> tables, Transfers transfers,
            SnapshotProgressListener progress, BooleanSupplier stopRequested) {
        Map<String, TableLoad> byName = new LinkedHashMap<>();
        tables.forEach(t -> byName.put(t.partitionTableName(), t));
        plan(load, tables, transfers);
        try {
            transfers.prepare();
        } catch (Exception e) {
            throw new SnapshotLoadException(load + ": preparing the destination for the load failed: "
                    + firstLine(e), e);
        }

        List<SnapshotPartition> unfinished = partitions.unfinished(load.mirrorId(), load.loadGeneration());
        for (SnapshotPartition p : unfinished) {
            if (!byName.containsKey(p.tableName())) {
                throw new IllegalStateException(load + " has partitions of " + p.tableName()
                        + ", which is not among the tables given; pass every table of the mirror");
            }
        }
        if (unfinished.isEmpty()) {
            finish(load, tables, transfers, progress, new SnapshotProgress(0, 0, 0, 0, Optional.empty()));
            return new SnapshotLoadResult(0, 0, 0, 0, false, false, List.of());
        }

        Run run = new Run(load, byName, transfers, copyOrder(unfinished, transfers), stopRequested);
        long started = System.nanoTime();
        log.info("{}: copying {} partition(s) with {} worker(s)", load, unfinished.size(), run.workers);
        run.start();
        run.await(progress);

        int remaining = partitions.unfinished(load.mirrorId(), load.loadGeneration()).size();
        SnapshotLoadResult result = new SnapshotLoadResult(run.finished.size(), remaining, run.rows, run.bytes,
                !run.queue.isEmpty(), transfers.consistentViewLost(), run.finished);
        double seconds = (System.nanoTime() - started) / 1e9;
        if (run.failure != null || run.listenerFailure != null) {
            log.warn("{}: stopped by a failure after {} partition(s) in {}s; {} partition(s) remain", load,
                    result.partitionsDone(), String.format("%.1f", seconds), remaining);
            run.rethrow();
        }
        if (remaining == 0) {
            finish(load, tables, transfers, progress, new SnapshotProgress(run.finished.size(), run.toDo, run.rows,
                    run.bytes, Optional.empty()));
        }
        log.info("{}: {} partition(s), {} rows, {} bytes in {}s; {}", load, result.partitionsDone(),
                result.rowsCopied(), result.bytesCopied(), String.format("%.1f", seconds),
                result.stoppedEarly() ? "stopped at a partition boundary as requested, " + remaining + " remain"
                        : remaining == 0 ? "the load is complete" : remaining + " partition(s) remain");
        return result;
    }

    /**
     * Runs {@link Transfers#finish} on a thread of its own while this one goes on reporting
     * progress (an activity's heartbeats), since completing a large table can take minutes.
     */
    private void finish(SnapshotLoad load, List<TableLoad> tables, Transfers transfers,
            SnapshotProgressListener progress, SnapshotProgress last) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        Thread finisher = new Thread(() -> {
            try {
                transfers.finish(tables);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "mirrorflow-snapshot-" + load.mirrorName() + "-finish");
        finisher.setDaemon(true);
        finisher.start();
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    done.get(options.progressInterval().toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (java.util.concurrent.TimeoutException e) {
                    progress.onProgress(last);
                } catch (InterruptedException e) {
                    // The finisher is not stopped halfway: what it builds commits or rolls back whole.
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw new SnapshotLoadException(load + ": completing the destination tables after their load"
                            + " failed: " + firstLine(cause) + transfers.hint(cause), cause);
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The order in which workers take partitions: the largest first, so that the run does not end
     * with one worker on a big partition while the others idle, and the tables interleaved, so
     * that concurrent workers mostly write different tables rather than all queueing to extend
     * the same relation and its indexes. Size is the source's span; an open-ended partition counts
     * as large as the largest closed one of its table.
     */
    public static List<SnapshotPartition> copyOrder(List<SnapshotPartition> partitions, Transfers transfers) {
        Map<String, List<SnapshotPartition>> byTable = new LinkedHashMap<>();
        partitions.forEach(p -> byTable.computeIfAbsent(p.tableName(), t -> new ArrayList<>()).add(p));
        Map<String, Long> largestClosedSpan = new HashMap<>();
        byTable.forEach((table, ps) -> largestClosedSpan.put(table, ps.stream().map(transfers::span)
                .filter(OptionalLong::isPresent).mapToLong(OptionalLong::getAsLong).max().orElse(0)));
        ToLongFunction<SnapshotPartition> span = p -> transfers.span(p).orElse(largestClosedSpan.get(p.tableName()));
        Comparator<SnapshotPartition> largestFirst = Comparator.comparingLong(span).reversed()
                .thenComparingInt(SnapshotPartition::partitionNo);
        List<List<SnapshotPartition>> tables = byTable.values().stream()
                .map(ps -> ps.stream().sorted(largestFirst).toList())
                .sorted(Comparator.comparingLong((List<SnapshotPartition> ps) -> ps.stream().mapToLong(span).sum())
                        .reversed())
                .toList();
        List<SnapshotPartition> ordered = new ArrayList<>(partitions.size());
        for (int round = 0; ordered.size() < partitions.size(); round++) {
            for (List<SnapshotPartition> ps : tables) {
                if (round < ps.size()) {
                    ordered.add(ps.get(round));
                }
            }
        }
        return ordered;
    }

    /** One run: its workers, their shared queue, and what the calling thread has heard from them. */
    private final class Run {

        private final SnapshotLoad load;
        private final Map<String, TableLoad> tables;
        private final Transfers transfers;
        private final BooleanSupplier stopRequested;
        private final int toDo;
        private final int workers;
        private final Queue<SnapshotPartition> queue;
        private final BlockingQueue<WorkerEvent> events = new LinkedBlockingQueue<>();
        /** Per table, how many of its partitions this run has still to copy. */
        private final Map<String, AtomicInteger> toCopyByTable = new HashMap<>();
        private final AtomicBoolean halt = new AtomicBoolean();

        private final List<PartitionCopy> finished = new ArrayList<>();
        private long rows;
        private long bytes;
        private SnapshotLoadException failure;
        private Throwable listenerFailure;
        private boolean interrupted;

        Run(SnapshotLoad load, Map<String, TableLoad> tables, Transfers transfers, List<SnapshotPartition> toCopy,
                BooleanSupplier stopRequested) {
            this.load = load;
            this.tables = tables;
            this.transfers = transfers;
            this.stopRequested = stopRequested;
            this.toDo = toCopy.size();
            this.workers = Math.min(options.parallelism(), toCopy.size());
            this.queue = new ConcurrentLinkedQueue<>(toCopy);
            toCopy.forEach(p -> toCopyByTable.computeIfAbsent(p.tableName(), t -> new AtomicInteger()).incrementAndGet());
        }

        void start() {
            AtomicInteger threadNo = new AtomicInteger();
            ExecutorService pool = Executors.newFixedThreadPool(workers, task -> {
                Thread t = new Thread(task, "mirrorflow-snapshot-" + load.mirrorName() + "-" + threadNo.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            for (int i = 0; i < workers; i++) {
                pool.execute(this::work);
            }
            // The threads end once their loop does; the pool accepts nothing more.
            pool.shutdown();
        }

        /** A worker: takes partitions until none is left, a stop is requested, or the run halts. */
        private void work() {
            Transfer transfer = null;
            SnapshotPartition current = null;
            String finishing = null;
            try {
                while (!halt.get() && !stopRequested.getAsBoolean()) {
                    current = queue.poll();
                    if (current == null) {
                        break;
                    }
                    if (transfer == null) {
                        transfer = transfers.open();
                    }
                    partitions.markRunning(load.mirrorId(), load.loadGeneration(), current.tableName(),
                            current.partitionNo());
                    PartitionCopy copy = transfer.copy(tables.get(current.tableName()), current);
                    partitions.markDone(load.mirrorId(), load.loadGeneration(), current.tableName(),
                            current.partitionNo(), copy.rows(), copy.bytes());
                    events.add(new WorkerEvent.Finished(copy));
                    String tableName = current.tableName();
                    current = null;
                    if (toCopyByTable.get(tableName).decrementAndGet() == 0) {
                        finishing = tableName;
                        transfer.tableLoaded(tables.get(tableName));
                        finishing = null;
                    }
                }
            } catch (Throwable t) {
                halt.set(true);
                events.add(new WorkerEvent.Failed(current, finishing, t));
            } finally {
                if (transfer != null) {
                    transfer.close();
                }
                events.add(new WorkerEvent.Exited());
            }
        }

        /** Waits for every worker on the calling thread, which is the only one to call the listener. */
        void await(SnapshotProgressListener progress) {
            long intervalNanos = options.progressInterval().toNanos();
            long nextCall = System.nanoTime() + intervalNanos;
            int exited = 0;
            while (exited < workers) {
                WorkerEvent event;
                try {
                    event = events.poll(Math.max(0, nextCall - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    // In-flight partitions still finish, so that none is left half-recorded.
                    interrupted = true;
                    halt.set(true);
                    continue;
                }
                if (event == null) {
                    report(progress, Optional.empty());
                } else if (event instanceof WorkerEvent.Exited) {
                    exited++;
                    continue;
                } else if (event instanceof WorkerEvent.Finished f) {
                    finished.add(f.copy());
                    if (f.copy().copied()) {
                        rows += f.copy().rows();
                        bytes += f.copy().bytes();
                    }
                    report(progress, Optional.of(f.copy()));
                } else if (event instanceof WorkerEvent.Failed f) {
                    fail(f);
                }
                nextCall = System.nanoTime() + intervalNanos;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
                if (failure == null) {
                    failure = new SnapshotLoadException(load + ": interrupted; partitions in flight were finished", null);
                }
            }
        }

        private void report(SnapshotProgressListener progress, Optional<PartitionCopy> last) {
            if (listenerFailure != null || failure != null) {
                return;
            }
            try {
                progress.onProgress(new SnapshotProgress(finished.size(), toDo, rows, bytes, last));
            } catch (RuntimeException | Error e) {
                listenerFailure = e;
                halt.set(true);
            }
        }

        private void fail(WorkerEvent.Failed f) {
            String what = f.finishingTable() != null
                    ? "completing the destination table of " + f.finishingTable() + " after its load failed"
                    : f.partition() == null ? "a worker failed"
                    : "copying partition " + f.partition().partitionNo() + " of " + f.partition().tableName() + " ("
                            + transfers.describe(f.partition()) + ") failed";
            SnapshotLoadException e = new SnapshotLoadException(load + ": " + what + ": " + firstLine(f.cause())
                    + transfers.hint(f.cause()), f.cause());
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }

        void rethrow() {
            if (listenerFailure != null) {
                if (failure != null) {
                    listenerFailure.addSuppressed(failure);
                }
                if (listenerFailure instanceof RuntimeException re) {
                    throw re;
                }
                throw (Error) listenerFailure;
            }
            throw failure;
        }
    }

    private sealed interface WorkerEvent {
        record Finished(PartitionCopy copy) implements WorkerEvent {}

        /** @param finishingTable the table the worker was completing after its last partition, or null */
        record Failed(SnapshotPartition partition, String finishingTable, Throwable cause) implements WorkerEvent {}

        record Exited() implements WorkerEvent {}
    }

    /** A database's message may continue with Detail and Where lines; the first says what went wrong. */
    public static String firstLine(Throwable t) {
        String message = String.valueOf(t.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
