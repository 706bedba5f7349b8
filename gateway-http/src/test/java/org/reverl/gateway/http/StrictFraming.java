package org.reverl.gateway.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * RFC 9112's message framing, read strictly: what a stream of bytes frames into, request by request or response by
 * response, and where and why it stops. A yardstick for the proxy, not a server: it decodes the chunked coding only
 * (other codings before it stay in the body), takes no line ending but CRLF, and where RFC 9112 lets a recipient
 * choose (both Content-Length and Transfer-Encoding, a bare LF, empty lines before a request) it chooses to refuse. So
 * what it accepts has exactly one meaning, and a proxy that accepts the same bytes must forward that meaning.
 */
final class StrictFraming {

    /** {@link Framed#error()} when the bytes end inside a message. */
    static final String INCOMPLETE = "incomplete";

    private static final String TCHAR = "[!#$%&'*+.^_`|~0-9A-Za-z-]";
    private static final Pattern REQUEST_LINE = Pattern.compile("(" + TCHAR + "+) ([\\x21-\\x7e]+) (HTTP/1\\.[01])");
    private static final Pattern STATUS_LINE =
            Pattern.compile("(HTTP/1\\.[01]) ([0-9]{3}) [\\t\\x20-\\x7e\\x80-\\xff]*");
    private static final Pattern FIELD = Pattern.compile("(" + TCHAR + "+):[ \\t]*(.*?)[ \\t]*", Pattern.DOTALL);
    private static final Pattern CHUNK_SIZE = Pattern.compile("([0-9A-Fa-f]+)((?:[ \\t]*;[ \\t]*" + TCHAR
            + "+(?:[ \\t]*=[ \\t]*(?:" + TCHAR + "+|\"(?:[\\t \\x21\\x23-\\x5b\\x5d-\\x7e\\x80-\\xff]"
            + "|\\\\[\\t \\x21-\\x7e\\x80-\\xff])*\"))?)*)");

    private static final Pattern LENIENT_CHUNK_SIZE = Pattern.compile("([0-9A-Fa-f]+)([ \\t;].*)?", Pattern.DOTALL);

    private StrictFraming() {}

    /** A request as framed: its line, its fields as sent (trailers not included), its body decoded. */
    record Request(String method, String target, String version, List<String[]> fields, byte[] body) {

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        /** Same method, target and decoded body: what a proxy must keep. */
        boolean sameMessage(Request other) {
            return method.equals(other.method) && target.equals(other.target) && Arrays.equals(body, other.body);
        }

        @Override
        public String toString() {
            return method + " " + target + " " + version + " body " + Printable.of(bodyText());
        }
    }

    /**
     * What the bytes framed into.
     *
     * @param messages every complete request or response, in order
     * @param consumed the bytes those messages took
     * @param error why framing stopped before the end: {@link #INCOMPLETE}, a reason, or null when every byte was
     *     framed
     */
    record Framed<T>(List<T> messages, int consumed, String error) {}

    static Framed<Request> parse(byte[] in) {
        return parse(in, false);
    }

    /**
     * {@link #parse(byte[])}, or with {@code lenient} what Netty, like most servers, also takes. Two readings of a
     * chunked body that RFC 9112 refuses: a chunk size line is its hex digits and whatever follows a space, tab or
     * {@code ;} after them (an extension without a name, whitespace); a trailer line is whatever comes before its CRLF,
     * a bare CR included (Netty drops the fields a trailer may not hold unread). And empty lines before a request line
     * are skipped, as RFC 9112 (section 2.2) tells a server to. Nothing else is read more leniently.
     */
    static Framed<Request> parse(byte[] in, boolean lenient) {
        return frame(in, lenient, Reader::request);
    }

    /**
     * A response as framed: its status, its fields, its body decoded.
     *
     * @param closeDelimited whether its body ran to the end of the connection (no Content-Length, not chunked)
     */
    record Response(String version, int status, List<String[]> fields, byte[] body, boolean closeDelimited) {

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return version + " " + status + " body " + Printable.of(bodyText())
                    + (closeDelimited ? " (to the close)" : "");
        }
    }

    /**
     * Frames {@code in} as responses to GETs; {@code closed}: the bytes end where the connection ended, which ends a
     * body that has neither Content-Length nor chunked.
     */
    static Framed<Response> parseResponses(byte[] in, boolean closed) {
        return frame(in, false, r -> r.response(closed));
    }

    /** One message read from where a {@link Reader} stands. */
    private interface Step<T> {
        T read(Reader r) throws Stop;
    }

    /** Message after message from the start of {@code in}, until the bytes end or one does not frame. */
    private static <T> Framed<T> frame(byte[] in, boolean lenient, Step<T> step) {
        List<T> messages = new ArrayList<>();
        int pos = 0;
        while (pos < in.length) {
            Reader r = new Reader(in, pos, lenient);
            try {
                messages.add(step.read(r));
                pos = r.pos;
            } catch (Stop e) {
                return new Framed<>(messages, pos, e.getMessage());
            }
        }
        return new Framed<>(messages, pos, null);
    }

    /** Why framing stopped; {@link #INCOMPLETE} when it ran out of bytes. */
    private static final class Stop extends Exception {
        Stop(String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Reader {
        private final byte[] in;
        private final boolean lenient;
        private int pos;

        Reader(byte[] in, int pos, boolean lenient) {
            this.in = in;
            this.pos = pos;
            this.lenient = lenient;
        }

        Request request() throws Stop {
            String first = line();
            while (lenient && first.isEmpty()) {
                first = line(); // empty lines before a request line, which RFC 9112 (2.2) tells a server to ignore
            }
            Matcher line = REQUEST_LINE.matcher(first);
            if (!line.matches()) {
                throw new Stop("bad request line");
            }
            List<String[]> fields = fields();
            String version = line.group(3);
            byte[] body = body(version, fields);
            return new Request(line.group(1), line.group(2), version, fields, body == null ? new byte[0] : body);
        }

        Response response(boolean closed) throws Stop {
            Matcher line = STATUS_LINE.matcher(line());
            if (!line.matches()) {
                throw new Stop("bad status line");
            }
            List<String[]> fields = fields();
            String version = line.group(1);
            int status = Integer.parseInt(line.group(2));
            if (status < 200) {
                throw new Stop("an interim response, which this reader does not take");
            }
            if (status == 204 || status == 304) {
                return new Response(version, status, fields, new byte[0], false);
            }
            byte[] body = body(version, fields);
            if (body != null) {
                return new Response(version, status, fields, body, false);
            }
            if (!closed) {
                throw new Stop(INCOMPLETE);
            }
            body = Arrays.copyOfRange(in, pos, in.length);
            pos = in.length;
            return new Response(version, status, fields, body, true);
        }

        /** The body by Transfer-Encoding or Content-Length; null if neither is there. */
        private byte[] body(String version, List<String[]> fields) throws Stop {
            List<String> te = values(fields, "transfer-encoding");
            List<String> cl = values(fields, "content-length");
            if (!te.isEmpty()) {
                if (version.equals("HTTP/1.0")) {
                    throw new Stop("transfer-encoding in HTTP/1.0");
                }
                if (!cl.isEmpty()) {
                    throw new Stop("both transfer-encoding and content-length");
                }
                List<String> codings = new ArrayList<>();
                for (String v : te) {
                    for (String coding : v.split(",", -1)) {
                        codings.add(coding.strip().toLowerCase(Locale.ROOT));
                    }
                }
                if (!codings.get(codings.size() - 1).equals("chunked")
                        || codings.indexOf("chunked") != codings.size() - 1
                        || !codings.stream().allMatch(c -> c.matches(TCHAR + "+"))) {
                    throw new Stop("transfer codings that do not end in chunked, once");
                }
                return chunked();
            }
            return cl.isEmpty() ? null : fixed(contentLength(cl));
        }

        /** The next line without its CRLF; a bare CR or LF is an error. */
        private String line() throws Stop {
            return line(false);
        }

        /** The next line without its CRLF; a bare LF is an error, and a bare CR unless {@code bareCr}. */
        private String line(boolean bareCr) throws Stop {
            for (int i = pos; i < in.length; i++) {
                if (in[i] == '\n') {
                    throw new Stop("bare LF");
                }
                if (in[i] == '\r') {
                    if (i + 1 == in.length) {
                        throw new Stop(INCOMPLETE);
                    }
                    if (in[i + 1] != '\n') {
                        if (bareCr) {
                            continue;
                        }
                        throw new Stop("bare CR");
                    }
                    String s = new String(in, pos, i - pos, StandardCharsets.ISO_8859_1);
                    pos = i + 2;
                    return s;
                }
            }
            throw new Stop(INCOMPLETE);
        }

        private List<String[]> fields() throws Stop {
            List<String[]> fields = new ArrayList<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                    throw new Stop("obs-fold");
                }
                Matcher m = FIELD.matcher(line);
                if (!m.matches()) {
                    throw new Stop("bad field line");
                }
                for (char c : m.group(2).toCharArray()) {
                    if (c != '\t' && (c < 0x20 || c == 0x7f)) {
                        throw new Stop("control character in a field value");
                    }
                }
                fields.add(new String[] {m.group(1), m.group(2)});
            }
            return fields;
        }

        private static List<String> values(List<String[]> fields, String name) {
            List<String> values = new ArrayList<>();
            for (String[] f : fields) {
                if (f[0].equalsIgnoreCase(name)) {
                    values.add(f[1]);
                }
            }
            return values;
        }

        /** One value, or several fields with the same value (RFC 9110, 8.6); digits only, at most 18. */
        private static int contentLength(List<String> values) throws Stop {
            String first = values.get(0);
            for (String v : values) {
                if (!v.matches("[0-9]{1,18}") || !v.equals(first)) {
                    throw new Stop("bad content-length");
                }
            }
            long n = Long.parseLong(first);
            if (n > Integer.MAX_VALUE) {
                throw new Stop("content-length beyond this reader");
            }
            return (int) n;
        }

        private byte[] fixed(int length) throws Stop {
            if (in.length - pos < length) {
                throw new Stop(INCOMPLETE);
            }
            byte[] body = Arrays.copyOfRange(in, pos, pos + length);
            pos += length;
            return body;
        }

        private byte[] chunked() throws Stop {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                Matcher m = (lenient ? LENIENT_CHUNK_SIZE : CHUNK_SIZE).matcher(line());
                if (!m.matches()) {
                    throw new Stop("bad chunk size line");
                }
                String hex = m.group(1).replaceFirst("^0+(?=.)", "");
                if (hex.length() > 7) {
                    throw new Stop("chunk size beyond this reader");
                }
                int size = Integer.parseInt(hex, 16);
                if (size == 0) {
                    if (lenient) {
                        while (!line(true).isEmpty()) {
                            // a trailer line, read as Netty reads it
                        }
                    } else {
                        fields(); // the trailer section, then its empty line
                    }
                    return body.toByteArray();
                }
                body.writeBytes(fixed(size));
                if (!line().isEmpty()) {
                    throw new Stop("chunk data longer than its size");
                }
            }
        }
    }

    /** Control characters shown as escapes, for failure messages. */
    static final class Printable {
        private Printable() {}

        static String of(String s) {
            StringBuilder b = new StringBuilder();
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '\r' -> b.append("\\r");
                    case '\n' -> b.append("\\n");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20 || c >= 0x7f) {
                            b.append(String.format("\\x%02x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.toString();
        }
    }
}
