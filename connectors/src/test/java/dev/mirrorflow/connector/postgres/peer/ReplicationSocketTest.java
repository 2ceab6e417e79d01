package dev.mirrorflow.connector.postgres.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The wait of a replication socket against a local peer: what it reads goes to the driver first. */
class ReplicationSocketTest {

    @Test
    void shouldWaitForTheFirstByteAndHandWhatItReadToTheReaderFirst() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Socket client = new ReplicationSocket.Factory(new Properties())
                        .createSocket(server.getInetAddress(), server.getLocalPort());
                Socket peer = server.accept()) {
            ReplicationSocket socket = (ReplicationSocket) client;
            client.setSoTimeout(5000);

            long start = System.nanoTime();
            assertThat(socket.awaitReadable(200)).as("nothing sent").isFalse();
            assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(150);
            assertThat(client.getSoTimeout()).as("the socket's own timeout is back").isEqualTo(5000);

            OutputStream out = peer.getOutputStream();
            Thread writer = new Thread(() -> {
                try {
                    Thread.sleep(100);
                    out.write("hello".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            writer.start();
            // Sent while the wait reads: the wait ends with the bytes, which it keeps.
            assertThat(socket.awaitReadable(5000)).isTrue();
            writer.join();
            InputStream in = client.getInputStream();
            assertThat(in.available()).isEqualTo(5);
            assertThat(in.read()).isEqualTo('h');
            out.write(" world".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // What the wait read first, then the socket's.
            assertThat(new String(in.readNBytes(10), StandardCharsets.US_ASCII)).isEqualTo("ello world");
            assertThat(socket.awaitReadable(50)).as("all read").isFalse();

            peer.close();
            assertThatThrownBy(() -> socket.awaitReadable(5000)).isInstanceOf(IOException.class)
                    .hasMessageContaining("closed");
        }
    }
}
