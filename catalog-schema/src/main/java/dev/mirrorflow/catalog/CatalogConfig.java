package dev.mirrorflow.catalog;

import java.util.Objects;

/**
 * Where the catalog lives. The password is kept out of {@link #toString()} so that a
 * logged or thrown config never carries it.
 */
public record CatalogConfig(String jdbcUrl, String user, String password) {

    /** The schema that holds every catalog table. */
    public static final String SCHEMA = "mirrorflow";

    public CatalogConfig {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "the catalog URL must start with jdbc:postgresql: (got " + redactUrl(jdbcUrl) + ")");
        }
    }

    @Override
    public String toString() {
        return "CatalogConfig[" + redactUrl(jdbcUrl) + ", user=" + user + "]";
    }

    /** Drops any query string, which is where a JDBC URL may carry a password. */
    static String redactUrl(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q) + "?…";
    }
}
