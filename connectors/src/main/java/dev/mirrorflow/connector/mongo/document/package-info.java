/**
 * How a MongoDB collection's documents become rows of a two-column destination table ({@code _id
 * text} primary key, {@code doc jsonb}), the one shape the load and the change stream share.
 */
package dev.mirrorflow.connector.mongo.document;
