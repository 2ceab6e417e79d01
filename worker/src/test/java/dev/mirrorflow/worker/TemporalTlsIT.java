package dev.mirrorflow.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.temporal.api.workflowservice.v1.GetSystemInfoRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS and mTLS to Temporal. The dev server speaks plain gRPC only, so the test puts a TLS
 * terminator in front of it (an SSL server socket offering HTTP/2, requiring a client certificate
 * signed by the test's CA, piping the bytes to the dev server), with a CA, a server and a client
 * certificate made by the JDK's keytool.
 */
class TemporalTlsIT {

    private static final String PASSWORD = "changeit";

    @TempDir static Path pki;

    private static SSLServerSocket terminator;
    private static Path caPem;
    private static Path clientPem;
    private static Path clientKey;

    @BeforeAll
    static void startTlsTerminator() throws Exception {
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=mirrorflow test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        caPem = pki.resolve("ca.pem");
        Files.writeString(caPem, keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12"));
        Path server = signed("server", "san=ip:127.0.0.1,dns:localhost");
        Path client = signed("client", null);
        clientPem = pki.resolve("client.pem");
        Files.writeString(clientPem, keytool("-exportcert", "-rfc", "-alias", "client", "-keystore", client.toString()));
        clientKey = pki.resolve("client.key");
        KeyStore clientStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(client)) {
            clientStore.load(in, PASSWORD.toCharArray());
        }
        Files.writeString(clientKey, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(
                        clientStore.getKey("client", PASSWORD.toCharArray()).getEncoded())
                + "\n-----END PRIVATE KEY-----\n");

        KeyStore serverStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(server)) {
            serverStore.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverStore, PASSWORD.toCharArray());
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(pki.resolve("ca.p12"))) {
            trusted.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        terminator = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getLoopbackAddress());
        SSLParameters parameters = terminator.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        parameters.setNeedClientAuth(true);
        terminator.setSSLParameters(parameters);
        String[] dev = MirrorTestBed.TEMPORAL.split(":");
        Thread acceptor = new Thread(() -> {
            while (!terminator.isClosed()) {
                try {
                    SSLSocket client2 = (SSLSocket) terminator.accept();
                    new Thread(() -> forward(client2, dev[0], Integer.parseInt(dev[1])), "tls-forward").start();
                } catch (IOException closed) {
                    // The test is over.
                }
            }
        }, "tls-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterAll
    static void stopTlsTerminator() throws IOException {
        terminator.close();
    }

    private static String address() {
        return "127.0.0.1:" + terminator.getLocalPort();
    }

    private static TemporalConnection.Settings over(TemporalTls tls) {
        return new TemporalConnection.Settings(address(), MirrorTestBed.NAMESPACE, "tls-" + UUID.randomUUID(), tls);
    }

    @Test
    void shouldReachTemporalOverMutualTls() {
        try (TemporalConnection temporal = TemporalConnection.open(
                over(new TemporalTls(false, caPem, clientPem, clientKey, null, null)), "mirrorflow-tls-it")) {
            assertThat(temporal.stubs().blockingStub().getSystemInfo(GetSystemInfoRequest.getDefaultInstance())
                    .getServerVersion()).isNotEmpty();
        }
    }

    @Test
    void shouldSayInOneLineThatTheFrontendRefusedAConnectionWithoutClientCertificate() {
        assertThatThrownBy(() -> TemporalConnection.open(over(new TemporalTls(false, caPem, null, null, null, null)),
                "mirrorflow-tls-it"))
                .isInstanceOf(TemporalUnavailableException.class)
                .hasMessageStartingWith("cannot reach Temporal at " + address() + " over TLS: ")
                .hasMessageEndingWith("and check the --temporal-tls-* settings")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void shouldNotTrustAFrontendWhoseCaItWasNotGiven() {
        // The system's CAs did not sign the test CA's server certificate.
        assertThatThrownBy(() -> TemporalConnection.open(over(new TemporalTls(true, null, null, null, null, null)),
                "mirrorflow-tls-it"))
                .isInstanceOf(TemporalUnavailableException.class)
                .hasMessageStartingWith("cannot reach Temporal at " + address() + " over TLS: ");
    }

    @Test
    void shouldRefuseACertificateWithoutItsKeyBeforeConnecting() {
        assertThatThrownBy(() -> TemporalConnection.open(over(new TemporalTls(false, caPem, clientPem, null, null, null)),
                "mirrorflow-tls-it"))
                .isInstanceOf(TemporalSettingsException.class)
                .hasMessage("--temporal-tls-cert-path and --temporal-tls-key-path go together (a client certificate"
                        + " and its private key, for mTLS); give both or neither");
    }

    /** A key pair {@code alias} in its own PKCS#12 file, its certificate signed by the CA, with the chain. */
    private static Path signed(String alias, String extension) throws Exception {
        String store = alias + ".p12";
        keytool("-genkeypair", "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=" + alias,
                "-validity", "2", "-keystore", store);
        Files.writeString(pki.resolve(alias + ".csr"), keytool("-certreq", "-alias", alias, "-keystore", store));
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", alias + ".csr", "-validity", "2"));
        if (extension != null) {
            sign.addAll(List.of("-ext", extension));
        }
        Files.writeString(pki.resolve(alias + ".signed.pem"), keytool(sign.toArray(String[]::new)));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", alias + ".signed.pem", "-keystore", store);
        return pki.resolve(store);
    }

    private static String keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
        Path out = Files.createTempFile(pki, "keytool", ".out");
        Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectOutput(out.toFile())
                .redirectErrorStream(false).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("keytool %s", String.join(" ", args)).isZero();
        return Files.readString(out);
    }

    private static void forward(SSLSocket client, String host, int port) {
        try (client; Socket server = new Socket(host, port)) {
            client.startHandshake();
            Thread back = new Thread(() -> pump(server, client), "tls-back");
            back.setDaemon(true);
            back.start();
            pump(client, server);
            back.join(5_000);
        } catch (IOException | InterruptedException e) {
            // A refused handshake or a closed connection: the client sees it.
        }
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException closed) {
            // One side closed.
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException ignored) {
                // Closing anyway.
            }
        }
    }
}
