package dev.mirrorflow.catalog;

/** The catalog cannot be reached or migrated. Its message is one line and names no secret. */
public final class CatalogUnavailableException extends RuntimeException {

    public CatalogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    static CatalogUnavailableException connecting(CatalogConfig config, Throwable cause) {
        return new CatalogUnavailableException(
                "cannot connect to the catalog at " + CatalogConfig.redactUrl(config.jdbcUrl())
                        + " as " + config.user() + ": " + rootMessage(cause)
                        + "; start it (scripts/dev-env.sh up) or set MIRRORFLOW_CATALOG_URL, "
                        + "MIRRORFLOW_CATALOG_USER and MIRRORFLOW_CATALOG_PASSWORD",
                cause);
    }

    /** The first line of the innermost cause: the part of a driver error a user can act on. */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
    }
}
