/**
 * A MongoDB source's change stream behind the neutral {@code ChangeStream} contract: batches of
 * rows with resume tokens as positions, the start token that setup saves before the initial
 * load, and the cluster times that status and lag show.
 *
 * <p>The seed contract rests on one property of change streams: a stream opened after a saved
 * token yields every change made after the token was taken. Setup takes the token
 * ({@link dev.mirrorflow.connector.mongo.stream.MongoChangeStream#startToken}) before the load
 * reads any document, so every write the load may have missed is replayed, and the destination's
 * upserts by {@code _id} make the overlap harmless.
 */
package dev.mirrorflow.connector.mongo.stream;
