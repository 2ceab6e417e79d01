package dev.mirrorflow.connector.mongo;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Opens MongoDB Java driver clients for a {@link MongoPeer}, with timeouts chosen so that an
 * unreachable deployment fails within seconds with one line rather than hanging. Options the peer's
 * URL sets win over these defaults.
 */
public final class MongoPeerClients {

    /** How long a caller may wait, and for what. */
    public record Timeouts(Duration serverSelection, Duration connect, Duration read) {}

    /** For a person waiting at a prompt ({@code peer create}, {@code peer check}). */
    public static final Timeouts FOR_PROMPT =
            new Timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30));

    /**
     * For a worker's activities: long enough to ride out a replica set election (about 10 s), short
     * enough that a lost server is reported while the activity still heartbeats. The read timeout is
     * well above a change stream's await time, so an idle stream is not mistaken for a dead server.
     */
    public static final Timeouts FOR_WORKER =
            new Timeouts(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(120));

    /**
     * Options this class applies itself rather than through the driver's connection string: the
     * credential's database and mechanism, and the CA file, which the Java driver does not read.
     */
    static final Set<String> APPLIED_HERE = Set.of("authSource", "authMechanism", "tlsCAFile");

    private MongoPeerClients() {}

    /** A client for the worker; the caller closes it. */
    public static MongoClient open(MongoPeer peer) {
        return open(peer, FOR_WORKER);
    }

    /**
     * A client; the caller closes it. Connecting happens lazily, on the first operation.
     *
     * @throws MongoPeerException when the peer's CA file cannot be read
     */
    public static MongoClient open(MongoPeer peer, Timeouts timeouts) {
        return MongoClients.create(settings(peer, timeouts));
    }

    static MongoClientSettings settings(MongoPeer peer, Timeouts timeouts) {
        ConnectionString connection = new ConnectionString(peer.connectionString(APPLIED_HERE));
        MongoClientSettings.Builder settings = MongoClientSettings.builder()
                .applicationName(MongoPeer.APPLICATION_NAME)
                .applyToClusterSettings(c -> c.serverSelectionTimeout(
                        timeouts.serverSelection().toMillis(), TimeUnit.MILLISECONDS))
                .applyToSocketSettings(s -> s
                        .connectTimeout((int) timeouts.connect().toMillis(), TimeUnit.MILLISECONDS)
                        .readTimeout((int) timeouts.read().toMillis(), TimeUnit.MILLISECONDS))
                // Applied after the defaults above, so that what the URL sets wins.
                .applyConnectionString(connection);
        if (peer.user() != null) {
            settings.credential(credential(peer));
        }
        String caFile = peer.option("tlsCAFile");
        if (caFile != null) {
            SSLContext context = trusting(caFile);
            settings.applyToSslSettings(ssl -> ssl.enabled(true).context(context));
        }
        return settings.build();
    }

    private static MongoCredential credential(MongoPeer peer) {
        String database = peer.authenticationDatabase();
        char[] password = peer.password() == null ? new char[0] : peer.password().toCharArray();
        String mechanism = peer.option("authMechanism");
        if ("SCRAM-SHA-1".equals(mechanism)) {
            return MongoCredential.createScramSha1Credential(peer.user(), database, password);
        }
        if ("SCRAM-SHA-256".equals(mechanism)) {
            return MongoCredential.createScramSha256Credential(peer.user(), database, password);
        }
        return MongoCredential.createCredential(peer.user(), database, password);
    }

    /** An SSL context that trusts exactly the certificates in the PEM file {@code tlsCAFile} names. */
    private static SSLContext trusting(String caFile) {
        Path path = Path.of(caFile);
        try (InputStream in = Files.newInputStream(path)) {
            Collection<? extends Certificate> certificates =
                    CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certificates.isEmpty()) {
                throw badCaFile(caFile, "it holds no certificate", null);
            }
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate certificate : certificates) {
                store.setCertificateEntry("ca-" + i++, certificate);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException e) {
            throw badCaFile(caFile, "it cannot be read (" + e.getClass().getSimpleName() + ")", e);
        } catch (GeneralSecurityException e) {
            throw badCaFile(caFile, "it is not a PEM file of X.509 certificates", e);
        }
    }

    private static MongoPeerException badCaFile(String caFile, String why, Throwable cause) {
        return new MongoPeerException("the peer's tlsCAFile " + caFile + " is unusable: " + why
                + "; point tlsCAFile at the CA certificate(s) in PEM form", false, cause);
    }
}
