package org.reverl.gateway.api;

/**
 * What a {@link SelectionStrategy} may know about the request it picks a backend for.
 *
 * <p>An interface, so that a transport can pass an object it already has for the request instead of allocating one.
 * Implementations are owned by one request at a time and need not be thread-safe; strategies must not keep a
 * reference after {@code select} returns.
 */
public interface RequestContext {

    /** A context for callers that know nothing about the request. */
    RequestContext NONE = new RequestContext() {
        @Override
        public String toString() {
            return "RequestContext.NONE";
        }
    };

    /**
     * A hash of whatever should keep related requests on one backend (a session, a client address), for affinity
     * strategies; {@code 0} when the request has none. Strategies that do not do affinity ignore it.
     */
    default long affinityHash() {
        return 0L;
    }

    /**
     * A hash of the request's value for {@code key}, for hashing strategies: the client address, a header's value, a
     * cookie's value or the path, as {@code key} says; {@code 0} when the request does not have it (no such header or
     * cookie, or nothing known about the client). Equal values give equal hashes, across requests and connections.
     * The strategy mixes the bits itself, so any hash of the value's bytes will do (e.g. a 32-bit one).
     *
     * <p>A transport overrides this without allocating: it hashes the header or cookie value, or the path without its
     * query, where it lies in the request it already holds. The default knows only the client address: {@link
     * #affinityHash()} for {@link HashKey#CLIENT_IP}, {@code 0} for every other key.
     *
     * @param key which part of the request, parsed once when the strategy was created
     * @since 0.3
     */
    default long keyHash(HashKey key) {
        return key.source() == HashKey.Source.CLIENT_IP ? affinityHash() : 0L;
    }

    /**
     * The attempt this pick is for: {@code 1} for the first, {@code 2} for the first failover, and so on. A strategy
     * may use it to avoid repeating a poor choice.
     */
    default int attempt() {
        return 1;
    }

    /**
     * Which part of a request a hashing strategy keeps requests together by, parsed once from its text: {@code
     * client_ip}, {@code path} (without the query), {@code header:<name>} (the first value; the name is matched
     * case-insensitively) or {@code cookie:<name>}. Names are HTTP tokens. Immutable.
     *
     * @since 0.3
     */
    final class HashKey {

        /** Where the key's value comes from. */
        public enum Source {
            /** The client's address (after any trusted proxy), as {@link RequestContext#affinityHash()}. */
            CLIENT_IP,
            /** The first value of a request header. */
            HEADER,
            /** The value of a cookie of the {@code Cookie} header. */
            COOKIE,
            /** The request path, without the query. */
            PATH
        }

        /** The client's address. */
        public static final HashKey CLIENT_IP = new HashKey(Source.CLIENT_IP, "");
        /** The request path. */
        public static final HashKey PATH = new HashKey(Source.PATH, "");

        /** The accepted texts, for error messages. */
        public static final String FORMS = "client_ip, path, header:<name> or cookie:<name>";

        private static final java.util.regex.Pattern TOKEN =
                java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

        private final Source source;
        private final String name;

        private HashKey(Source source, String name) {
            this.source = source;
            this.name = name;
        }

        /**
         * Parses {@code text}.
         *
         * @throws IllegalArgumentException naming {@code what}, the text and {@link #FORMS}
         */
        public static HashKey parse(String what, String text) {
            java.util.Objects.requireNonNull(text, what);
            String t = text.strip();
            if (t.equals("client_ip")) {
                return CLIENT_IP;
            }
            if (t.equals("path")) {
                return PATH;
            }
            int colon = t.indexOf(':');
            String kind = colon < 0 ? t : t.substring(0, colon);
            String name = colon < 0 ? "" : t.substring(colon + 1);
            if ((kind.equals("header") || kind.equals("cookie"))
                    && TOKEN.matcher(name).matches()) {
                return new HashKey(kind.equals("header") ? Source.HEADER : Source.COOKIE, name);
            }
            throw new IllegalArgumentException(
                    Checks.message(what, "'" + text + "'", FORMS + ", where a name is an HTTP token"));
        }

        /** Where the value comes from. */
        public Source source() {
            return source;
        }

        /** The header's or cookie's name, as configured; empty for {@code client_ip} and {@code path}. */
        public String name() {
            return name;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof HashKey)) {
                return false;
            }
            HashKey k = (HashKey) o;
            return source == k.source
                    && (source == Source.HEADER ? name.equalsIgnoreCase(k.name) : name.equals(k.name));
        }

        @Override
        public int hashCode() {
            return source.hashCode() * 31
                    + name.toLowerCase(java.util.Locale.ROOT).hashCode();
        }

        /** The text {@link #parse} reads back, e.g. {@code header:X-User}. */
        @Override
        public String toString() {
            switch (source) {
                case CLIENT_IP:
                    return "client_ip";
                case PATH:
                    return "path";
                case HEADER:
                    return "header:" + name;
                default:
                    return "cookie:" + name;
            }
        }
    }
}
