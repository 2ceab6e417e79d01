package dev.mirrorflow.worker;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.temporal.api.workflowservice.v1.DescribeNamespaceRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.common.interceptors.WorkflowClientInterceptor;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.time.Duration;
import java.util.List;

/** A connection to the Temporal frontend and a client for one namespace. */
public final class TemporalConnection implements AutoCloseable {

    /** Where Temporal is, how to reach it (TLS), and which namespace and task queue mirrorflow uses. */
    public record Settings(String address, String namespace, String taskQueue, TemporalTls tls) {

        public Settings {
            tls = tls == null ? TemporalTls.NONE : tls;
        }

        /** Without TLS, as the dev server is reached. */
        public Settings(String address, String namespace, String taskQueue) {
            this(address, namespace, taskQueue, TemporalTls.NONE);
        }
    }

    private final Settings settings;
    private final WorkflowServiceStubs stubs;
    private final WorkflowClient client;
    private final EventLoopGroup eventLoops;

    private TemporalConnection(Settings settings, WorkflowServiceStubs stubs, WorkflowClient client,
            EventLoopGroup eventLoops) {
        this.settings = settings;
        this.stubs = stubs;
        this.client = client;
        this.eventLoops = eventLoops;
    }

    /**
     * Connects and checks that the frontend answers, so a wrong address fails here with one
     * line instead of later inside some call.
     *
     * @param identity the client identity Temporal records on what this connection does
     */
    public static TemporalConnection open(Settings settings, String identity) {
        return open(settings, identity, List.of());
    }

    /**
     * Like {@link #open(Settings, String)}, with interceptors on the client's calls (tracing).
     */
    public static TemporalConnection open(Settings settings, String identity,
            List<WorkflowClientInterceptor> interceptors) {
        TemporalTls tls = settings.tls();
        if (tls.on()) {
            tls.validate();
        }
        // The channel's network threads are this connection's own, ended when it closes. gRPC's
        // shared ones outlive the last channel by a second, blocked in epoll_wait, and a JVM that
        // exits while a thread is in native code waits 300 ms for it: every CLI command that
        // talked to Temporal paid that at its exit.
        EventLoopGroup eventLoops = new NioEventLoopGroup(0, new DefaultThreadFactory("temporal-io-" + identity, true));
        WorkflowServiceStubsOptions.Builder options = WorkflowServiceStubsOptions.newBuilder()
                .setTarget(settings.address())
                .setChannelInitializer(channel -> {
                    if (channel instanceof NettyChannelBuilder netty) {
                        netty.eventLoopGroup(eventLoops).channelType(NioSocketChannel.class);
                    }
                    if (tls.on() && tls.serverName() != null) {
                        channel.overrideAuthority(tls.serverName());
                    }
                });
        if (tls.on()) {
            tls.sslContext().ifPresentOrElse(options::setSslContext, () -> options.setEnableHttps(true));
            tls.apiKey().ifPresent(key -> options.addApiKey(() -> key));
        }
        WorkflowServiceStubs stubs;
        try {
            stubs = WorkflowServiceStubs.newConnectedServiceStubs(options.build(), Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            shutDown(eventLoops);
            throw new TemporalUnavailableException("cannot reach Temporal at " + settings.address()
                    + (tls.on() ? " over TLS" : "") + ": " + describe(e) + "; start it (scripts/dev-env.sh up) or set"
                    + " MIRRORFLOW_TEMPORAL_ADDRESS" + (tls.on() ? ", and check the --temporal-tls-* settings" : ""), e);
        }
        try {
            requireNamespace(stubs, settings);
        } catch (RuntimeException e) {
            stubs.shutdownNow();
            shutDown(eventLoops);
            throw e;
        }
        WorkflowClient client = WorkflowClient.newInstance(stubs, WorkflowClientOptions.newBuilder()
                .setNamespace(settings.namespace())
                .setIdentity(identity)
                .setInterceptors(interceptors.toArray(WorkflowClientInterceptor[]::new))
                .build());
        return new TemporalConnection(settings, stubs, client, eventLoops);
    }

    /**
     * A namespace that does not exist would fail every later call with a message that does not
     * name it (and a worker would poll it forever): it is one line here instead, before anything
     * is written. Any other answer, such as a frontend that does not let this client describe
     * namespaces, is left for the calls that follow.
     */
    private static void requireNamespace(WorkflowServiceStubs stubs, Settings settings) {
        try {
            stubs.blockingStub().withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS)
                    .describeNamespace(DescribeNamespaceRequest.newBuilder().setNamespace(settings.namespace()).build());
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                stubs.shutdownNow();
                throw new TemporalUnavailableException("Temporal at " + settings.address() + " has no namespace '"
                        + settings.namespace() + "'; create it (temporal operator namespace create --namespace "
                        + settings.namespace() + ") or set MIRRORFLOW_TEMPORAL_NAMESPACE to an existing one", e);
            }
        }
    }

    public Settings settings() {
        return settings;
    }

    public WorkflowClient client() {
        return client;
    }

    public WorkflowServiceStubs stubs() {
        return stubs;
    }

    @Override
    public void close() {
        stubs.shutdown();
        stubs.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        shutDown(eventLoops);
    }

    /** Ends the threads at once: the channel that used them is closed, nothing is left to send. */
    private static void shutDown(EventLoopGroup eventLoops) {
        eventLoops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly(2_000);
    }

    /** The gRPC status of a failed call, or else its first line: Temporal's wrapping names no cause. */
    public static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StatusRuntimeException s) {
                return s.getStatus().getCode() + (s.getStatus().getDescription() == null
                        ? "" : " (" + s.getStatus().getDescription().lines().findFirst().orElse("") + ")");
            }
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    }
}
