package dev.mirrorflow.connector;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.regex.Pattern;

/**
 * What every connector's peer URL parser does alike: the same refusal of a password in the URL,
 * the same host syntax, percent-decoding and port rule, and messages that never quote what might
 * be a piece of a secret. Each parser keeps its own schemes, options and defaults.
 */
public final class PeerUrls {

    public static final String PASSWORD_IN_URL =
            "the peer URL contains a password; put the password in a file and pass --password-file";

    /** A DNS name or an IPv4 address. */
    public static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?");

    /** What may stand inside the brackets of an IPv6 host, with a zone. */
    public static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+(%[A-Za-z0-9._-]+)?");

    private static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]{0,20}");

    private PeerUrls() {}

    /** A port, 1 to 65535. */
    public static int port(String text, int defaultPort) {
        if (text.matches("\\d{1,5}")) {
            int port = Integer.parseInt(text);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        }
        throw new InvalidPeerException("the peer URL's port must be a number from 1 to 65535 (or leave it out for "
                + defaultPort + ")");
    }

    /** Percent-decoding as libpq and MongoDB connection strings do it: {@code %XX} only; a '+' stays a '+'. */
    public static String decode(String text, String what) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%') {
                bytes.writeBytes(String.valueOf(c).getBytes(UTF_8));
                continue;
            }
            if (i + 2 >= text.length() || Character.digit(text.charAt(i + 1), 16) < 0
                    || Character.digit(text.charAt(i + 2), 16) < 0) {
                throw new InvalidPeerException("the peer URL's " + what
                        + " has a '%' that is not followed by two hex digits");
            }
            bytes.write(Character.digit(text.charAt(i + 1), 16) * 16 + Character.digit(text.charAt(i + 2), 16));
            i += 2;
        }
        return bytes.toString(UTF_8);
    }

    /** An option name is quoted only when it looks like one, so a stray piece of a secret is not. */
    public static String safeName(String name) {
        return name.matches("[A-Za-z_][A-Za-z0-9_.-]{0,40}") ? name : "(an unusual name)";
    }

    /** " (it starts with SCHEME:)" when the text starts with something that looks like a scheme, else "". */
    public static String schemeSeen(String text) {
        int colon = text.indexOf(':');
        String scheme = colon < 0 ? "" : text.substring(0, colon);
        return SCHEME.matcher(scheme).matches() ? " (it starts with " + scheme + ":)" : "";
    }

    public static boolean startsWithIgnoringCase(String text, String prefix) {
        return text.regionMatches(true, 0, prefix, 0, prefix.length());
    }
}
