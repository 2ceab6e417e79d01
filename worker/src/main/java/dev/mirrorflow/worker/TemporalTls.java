package dev.mirrorflow.worker;

import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Optional;
import javax.net.ssl.TrustManagerFactory;

/**
 * How mirrorflow reaches a Temporal frontend that wants TLS (a self-hosted cluster behind TLS,
 * Temporal Cloud): server TLS with the system's or a given CA, a client certificate for mTLS, and
 * an API key, named after the temporal CLI's options ({@code --tls}, {@code --tls-ca-path},
 * {@code --tls-cert-path}, {@code --tls-key-path}, {@code --tls-server-name},
 * {@code --api-key}). The key is read from a file when connecting, never held here, so it cannot
 * reach a log line or an exception through this record.
 *
 * @param enabled TLS even without any of the files (the system's CAs); implied by each of them
 * @param caCert PEM of the CA that signed the frontend's certificate, or null for the system's
 * @param clientCert PEM certificate chain for mTLS, with {@code clientKey}
 * @param clientKey PEM PKCS#8 private key of {@code clientCert}
 * @param serverName the name to verify the frontend's certificate against when it is not the host
 * @param apiKeyFile a file holding the API key (Temporal Cloud), sent as a bearer token
 */
public record TemporalTls(boolean enabled, Path caCert, Path clientCert, Path clientKey, String serverName,
        Path apiKeyFile) {

    public static final TemporalTls NONE = new TemporalTls(false, null, null, null, null, null);

    /** Whether the connection uses TLS at all. */
    public boolean on() {
        return enabled || caCert != null || clientCert != null || clientKey != null || serverName != null
                || apiKeyFile != null;
    }

    /**
     * Checks what can be checked before connecting: a certificate without its key or the other
     * way round, and files that cannot be read, in one line naming the option.
     */
    public void validate() {
        if ((clientCert == null) != (clientKey == null)) {
            throw new TemporalSettingsException("--temporal-tls-cert-path and --temporal-tls-key-path go together"
                    + " (a client certificate and its private key, for mTLS); give both or neither", null);
        }
        readable(caCert, "--temporal-tls-ca-path");
        readable(clientCert, "--temporal-tls-cert-path");
        readable(clientKey, "--temporal-tls-key-path");
        readable(apiKeyFile, "--temporal-api-key-file");
    }

    private static void readable(Path file, String option) {
        if (file != null && !Files.isReadable(file)) {
            throw new TemporalSettingsException(option + " " + file + " cannot be read; check the path and its"
                    + " permissions", null);
        }
    }

    /** The SSL context for the gRPC channel, or empty for plain TLS with the system's CAs. */
    Optional<SslContext> sslContext() {
        if (caCert == null && clientCert == null) {
            return Optional.empty();
        }
        try {
            SimpleSslContextBuilder builder;
            if (clientCert != null) {
                try (InputStream cert = Files.newInputStream(clientCert); InputStream key = Files.newInputStream(clientKey)) {
                    builder = SimpleSslContextBuilder.forPKCS8(cert, key);
                    if (caCert != null) {
                        builder.setTrustManager(trustManagers(caCert).getTrustManagers()[0]);
                    }
                    return Optional.of(builder.build());
                }
            }
            builder = SimpleSslContextBuilder.noKeyOrCertChain();
            builder.setTrustManager(trustManagers(caCert).getTrustManagers()[0]);
            return Optional.of(builder.build());
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new TemporalSettingsException("cannot use the TLS files for Temporal ("
                    + TemporalConnection.describe(e) + "); --temporal-tls-cert-path and --temporal-tls-ca-path take"
                    + " PEM certificates, --temporal-tls-key-path a PEM PKCS#8 private key", e);
        }
    }

    /** The API key, read from its file now, or empty. */
    Optional<String> apiKey() {
        if (apiKeyFile == null) {
            return Optional.empty();
        }
        try {
            String key = Files.readString(apiKeyFile, StandardCharsets.UTF_8).strip();
            if (key.isEmpty()) {
                throw new TemporalSettingsException("--temporal-api-key-file " + apiKeyFile + " is empty", null);
            }
            return Optional.of(key);
        } catch (IOException e) {
            throw new TemporalSettingsException("cannot read --temporal-api-key-file " + apiKeyFile + " ("
                    + e.getClass().getSimpleName() + ")", e);
        }
    }

    private static TrustManagerFactory trustManagers(Path caCert) throws IOException, GeneralSecurityException {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        try (InputStream in = Files.newInputStream(caCert)) {
            int i = 0;
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trusted.setCertificateEntry("ca-" + i++, certificate);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in " + caCert);
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trusted);
        return factory;
    }
}
