/**
 * The initial load of a MongoDB source: collections split into {@code _id} ranges whose bounds
 * are text (what the catalog's partition records hold), and a reader for one range. Recording
 * finished partitions and copying them in parallel is the shared loader's job, not this package's.
 */
package dev.mirrorflow.connector.mongo.snapshot;
