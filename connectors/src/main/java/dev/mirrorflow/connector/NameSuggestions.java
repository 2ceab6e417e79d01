package dev.mirrorflow.connector;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** Finds the name a user most likely meant when they wrote one that does not exist (a spec key, a column). */
public final class NameSuggestions {

    /** Two edits catch a typo or a swapped pair of letters without suggesting unrelated keys. */
    private static final int MAX_DISTANCE = 2;

    private NameSuggestions() {}

    /**
     * The closest known key, ignoring case, underscores and hyphens, so that {@code batch_size}
     * and {@code BatchSize} both lead to {@code batchSize}; the first of equally close keys.
     */
    public static Optional<String> closest(String unknown, List<String> known) {
        String written = normalise(unknown);
        String best = null;
        int bestDistance = MAX_DISTANCE + 1;
        for (String candidate : known) {
            int d = distance(written, normalise(candidate));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    private static String normalise(String key) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    /** Levenshtein distance: insertions, deletions and substitutions, one each. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
