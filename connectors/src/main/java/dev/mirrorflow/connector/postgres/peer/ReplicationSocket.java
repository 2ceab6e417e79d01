package dev.mirrorflow.connector.postgres.peer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.sql.Connection;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.SocketFactory;

/**
 * The socket of a replication connection, which lets the thread that reads the stream sleep until
 * the server sends something ({@link #awaitReadable}) instead of asking pgjdbc again and again.
 *
 * <p>pgjdbc's non-blocking {@code readPending()} is the only safe way to read a replication stream
 * with 42.7.x: its blocking {@code read()} does not return when the socket times out (and since
 * 42.7.11 a surfaced read timeout deactivates the COPY), so a reader that must also confirm
 * positions, write heartbeats and stop on request has to poll. Each poll that finds nothing costs
 * a 1 ms blocking read and an exception inside the driver, and a poll every few milliseconds was
 * most of what an idle mirror cost. With this socket the reader polls only when {@code
 * readPending()} may find something: it waits here, on its own, outside the driver, for the first
 * byte of the server's next message (a change, a keepalive, the answer to a status update) or a
 * timeout. The bytes the wait read are handed to the driver first, so the driver sees the same
 * stream; a timeout here never reaches the driver.
 *
 * <p>The connection gets this socket from {@link Factory} (pgjdbc's {@code socketFactory}); {@link
 * #of} finds it again for the connection. Only one thread may read at a time: the wait and the
 * driver's reads must come from the same thread (the stream's reader), writes may come from any.
 */
public final class ReplicationSocket extends Socket {

    /** The connection property that tells {@link Factory} which connection it makes a socket for. */
    static final String TOKEN_PROPERTY = "mirrorflow.replicationSocket";

    /** Sockets being made, by the token of the connection being opened. */
    private static final Map<String, AtomicReference<ReplicationSocket>> OPENING = new ConcurrentHashMap<>();
    /** The socket of each open connection that has one. */
    private static final Map<Connection, ReplicationSocket> BY_CONNECTION =
            Collections.synchronizedMap(new WeakHashMap<>());

    private WaitableInput input;

    /** The replication socket of {@code connection}, if it was opened with one ({@link #open}). */
    public static Optional<ReplicationSocket> of(Connection connection) {
        return Optional.ofNullable(BY_CONNECTION.get(connection));
    }

    /**
     * Opens a connection whose socket is a replication socket, unless the properties name a socket
     * factory of their own: then the connection is opened as it is and has none.
     */
    static Connection open(Properties properties, ConnectionOpener opener) throws java.sql.SQLException {
        if (properties.containsKey("socketFactory")) {
            return opener.open(properties);
        }
        String token = UUID.randomUUID().toString();
        Properties p = new Properties();
        p.putAll(properties);
        p.setProperty("socketFactory", Factory.class.getName());
        p.setProperty(TOKEN_PROPERTY, token);
        AtomicReference<ReplicationSocket> made = new AtomicReference<>();
        OPENING.put(token, made);
        try {
            Connection connection = opener.open(p);
            ReplicationSocket socket = made.get();
            if (socket != null && socket.isConnected() && !socket.isClosed()) {
                BY_CONNECTION.put(connection, socket);
            }
            return connection;
        } finally {
            OPENING.remove(token);
        }
    }

    interface ConnectionOpener {
        Connection open(Properties properties) throws java.sql.SQLException;
    }

    /**
     * Waits until the server has sent something that can be read without blocking, or until
     * {@code timeoutMillis} passed.
     *
     * @return whether something can be read
     * @throws IOException when the server closed the connection or the socket failed
     */
    public boolean awaitReadable(int timeoutMillis) throws IOException {
        return input().await(Math.max(1, timeoutMillis));
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        return input();
    }

    private synchronized WaitableInput input() throws IOException {
        if (input == null) {
            input = new WaitableInput(this, super.getInputStream());
        }
        return input;
    }

    /**
     * The socket's input: what a wait read comes first, then the socket's. Used by one thread at a
     * time (see the class comment).
     */
    private static final class WaitableInput extends InputStream {

        private final Socket socket;
        private final InputStream in;
        private final byte[] ahead = new byte[16 * 1024];
        private int aheadStart;
        private int aheadEnd;
        private boolean ended;

        WaitableInput(Socket socket, InputStream in) {
            this.socket = socket;
            this.in = in;
        }

        boolean await(int timeoutMillis) throws IOException {
            if (aheadEnd > aheadStart || in.available() > 0) {
                return true;
            }
            if (ended) {
                throw new IOException("the server closed the replication connection");
            }
            int saved = socket.getSoTimeout();
            socket.setSoTimeout(timeoutMillis);
            try {
                int n = in.read(ahead, 0, ahead.length);
                if (n < 0) {
                    ended = true;
                    throw new IOException("the server closed the replication connection");
                }
                aheadStart = 0;
                aheadEnd = n;
                return n > 0;
            } catch (SocketTimeoutException quiet) {
                return false;
            } finally {
                socket.setSoTimeout(saved);
            }
        }

        @Override
        public int read() throws IOException {
            if (aheadEnd > aheadStart) {
                return ahead[aheadStart++] & 0xff;
            }
            return ended ? -1 : in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int buffered = aheadEnd - aheadStart;
            if (buffered > 0) {
                int n = Math.min(len, buffered);
                System.arraycopy(ahead, aheadStart, b, off, n);
                aheadStart += n;
                return n;
            }
            return ended ? -1 : in.read(b, off, len);
        }

        @Override
        public int available() throws IOException {
            int buffered = aheadEnd - aheadStart;
            return buffered > 0 ? buffered : ended ? 0 : in.available();
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /**
     * pgjdbc's {@code socketFactory} for replication connections: makes {@link ReplicationSocket}s
     * and remembers, for {@link ReplicationSocket#open}, which connection each is for. (pgjdbc also
     * makes the sockets of cancel requests with it; those are plain sockets in all but name.)
     */
    public static final class Factory extends SocketFactory {

        private final String token;

        public Factory(Properties info) {
            this.token = info == null ? null : info.getProperty(TOKEN_PROPERTY);
        }

        @Override
        public Socket createSocket() {
            ReplicationSocket socket = new ReplicationSocket();
            AtomicReference<ReplicationSocket> made = token == null ? null : OPENING.get(token);
            if (made != null) {
                // A connection to a server with several addresses tries them in turn: the last made is the one used.
                made.set(socket);
            }
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return connected(new InetSocketAddress(host, port), new InetSocketAddress(localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return connected(new InetSocketAddress(host, port), null);
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return connected(new InetSocketAddress(address, port), new InetSocketAddress(localAddress, localPort));
        }

        private Socket connected(InetSocketAddress remote, InetSocketAddress local) throws IOException {
            Socket socket = createSocket();
            if (local != null) {
                socket.bind(local);
            }
            socket.connect(remote);
            return socket;
        }
    }
}
