package dev.mirrorflow.connector.postgres.peer;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One session per peer for a series of short steps on one thread, such as the checks {@code mirror
 * create} makes: while a scope is open on the thread, {@link PostgresPeer#connect()} lends a
 * session the scope already has for an equal peer (same server, database, login and properties)
 * instead of logging in again, and the lent connection's {@code close()} gives it back. A login
 * costs a round trip or three and, under SCRAM, thousands of HMAC rounds on the client: the checks
 * of one mirror opened about ten sessions, which was most of their time.
 *
 * <p>A session is lent to one borrower at a time (a step holding a source and a destination
 * session of the same database gets two). Given back, it is left as a new session would be:
 * autocommit on, any transaction rolled back, read-write; a session that failed is closed instead.
 * Steps inside a scope must not change session settings ({@code SET} without {@code LOCAL}, roles):
 * the next step would inherit them. Closing the scope closes its sessions. Scopes nest; a thread
 * without one gets a new session from every {@code connect()}, as before.
 */
public final class PeerSessions implements AutoCloseable {

    private static final ThreadLocal<PeerSessions> CURRENT = new ThreadLocal<>();

    private final PeerSessions outer;
    private final Thread owner = Thread.currentThread();
    private final Map<PostgresPeer, Deque<Connection>> idle = new HashMap<>();
    private final List<Connection> opened = new ArrayList<>();
    private boolean closed;

    private PeerSessions(PeerSessions outer) {
        this.outer = outer;
    }

    /** Opens a scope on this thread; close it in the same thread (try-with-resources). */
    public static PeerSessions open() {
        PeerSessions scope = new PeerSessions(CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** The scope open on this thread, or null. */
    static PeerSessions current() {
        return CURRENT.get();
    }

    /** How many sessions this scope logged in; for tests. */
    public int sessionsOpened() {
        return opened.size();
    }

    Connection lend(PostgresPeer peer, SessionFactory factory) throws SQLException {
        Deque<Connection> free = idle.computeIfAbsent(peer, p -> new ArrayDeque<>());
        Connection real = null;
        while (real == null && !free.isEmpty()) {
            Connection candidate = free.pop();
            if (candidate.isClosed()) {
                opened.remove(candidate);
            } else {
                real = candidate;
            }
        }
        if (real == null) {
            real = factory.connect();
            opened.add(real);
        }
        return lent(peer, real);
    }

    private Connection lent(PostgresPeer peer, Connection real) {
        InvocationHandler handler = new InvocationHandler() {
            private boolean returned;

            @Override
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                switch (method.getName()) {
                    case "close":
                        if (!returned) {
                            returned = true;
                            giveBack(peer, real);
                        }
                        return null;
                    case "isClosed":
                        return returned || real.isClosed();
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "toString":
                        return "lent " + real;
                    default:
                        if (returned) {
                            throw new SQLException("this connection was closed");
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                }
            }
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                handler);
    }

    private void giveBack(PostgresPeer peer, Connection real) throws SQLException {
        if (closed || Thread.currentThread() != owner) {
            opened.remove(real);
            real.close();
            return;
        }
        try {
            if (!real.getAutoCommit()) {
                real.rollback();
                real.setAutoCommit(true);
            }
            if (real.isReadOnly()) {
                real.setReadOnly(false);
            }
        } catch (SQLException broken) {
            opened.remove(real);
            real.close();
            return;
        }
        idle.computeIfAbsent(peer, p -> new ArrayDeque<>()).push(real);
    }

    /** Closes every session of the scope and ends it on this thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
        for (Connection c : opened) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // Closing a session that is gone already.
            }
        }
        opened.clear();
        idle.clear();
    }

    /** How the scope logs in when it has no free session for a peer. */
    @FunctionalInterface
    interface SessionFactory {
        Connection connect() throws SQLException;
    }
}
