package dev.mirrorflow.catalog;

/**
 * A write the catalog refused because of what is already there: a name taken, a peer still in
 * use, a second maintenance run. The message is one line a user can act on.
 */
public final class CatalogConflictException extends RuntimeException {

    public CatalogConflictException(String message) {
        super(message);
    }
}
