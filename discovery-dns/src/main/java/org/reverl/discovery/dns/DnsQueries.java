package org.reverl.discovery.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverTimeoutException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The DNS questions the source asks, as futures of plain answers: the records' data and TTL, or an error that names
 * the name and the record type. The futures never complete exceptionally. Called on the resolver's event loop.
 */
final class DnsQueries {

    /**
     * Address records of one name.
     *
     * @param addresses the addresses, in answer order; empty on error
     * @param ttl the smallest TTL among them, in seconds
     * @param error why there are none, e.g. {@code web.example A: NXDOMAIN}; {@code null} when there are some
     */
    record AddressAnswer(List<InetAddress> addresses, long ttl, String error) {}

    /**
     * One SRV record.
     *
     * @param priority lower is preferred
     * @param weight share within a priority, 0-65535
     * @param port 0-65535
     * @param target the host name, without the trailing dot; empty for {@code .}
     */
    record SrvRecord(int priority, int weight, int port, String target) {}

    /**
     * The SRV records of one name.
     *
     * @param records the records; empty on error
     * @param ttl the smallest TTL among them, in seconds
     * @param error why there are none; {@code null} when there are some
     */
    record SrvAnswer(List<SrvRecord> records, long ttl, String error) {}

    private final DnsNameResolver resolver;
    private final Duration timeout;

    DnsQueries(DnsNameResolver resolver, Duration timeout) {
        this.resolver = resolver;
        this.timeout = timeout;
    }

    /** The A ({@code v6} false) or AAAA records of {@code name}. */
    CompletableFuture<AddressAnswer> addresses(String name, boolean v6) {
        DnsRecordType type = v6 ? DnsRecordType.AAAA : DnsRecordType.A;
        String what = name + " " + type.name();
        return ask(name, type).thenApply(r -> {
            if (r.error != null) {
                return new AddressAnswer(List.of(), 0, what + ": " + r.error);
            }
            List<InetAddress> found = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (DnsRawRecord record : r.records) {
                ByteBuf c = record.content();
                byte[] bytes = new byte[c.readableBytes()];
                c.getBytes(c.readerIndex(), bytes);
                if (bytes.length != (v6 ? 16 : 4)) {
                    continue;
                }
                try {
                    found.add(InetAddress.getByAddress(bytes));
                    ttl = Math.min(ttl, record.timeToLive());
                } catch (UnknownHostException e) {
                    // cannot happen for 4 or 16 bytes
                }
            }
            r.release();
            return found.isEmpty()
                    ? new AddressAnswer(List.of(), 0, what + ": no records")
                    : new AddressAnswer(List.copyOf(found), ttl, null);
        });
    }

    /** The SRV records of {@code name}. */
    CompletableFuture<SrvAnswer> srv(String name) {
        String what = name + " SRV";
        return ask(name, DnsRecordType.SRV).thenApply(r -> {
            if (r.error != null) {
                return new SrvAnswer(List.of(), 0, what + ": " + r.error);
            }
            List<SrvRecord> found = new ArrayList<>();
            long ttl = Long.MAX_VALUE;
            for (DnsRawRecord record : r.records) {
                ByteBuf c = record.content();
                if (c.readableBytes() < 7) {
                    continue;
                }
                int at = c.readerIndex();
                String target;
                try {
                    // the target may use name compression: the content is a view of the whole message
                    target = DefaultDnsRecordDecoder.decodeName(c.duplicate().readerIndex(at + 6));
                } catch (RuntimeException e) {
                    continue;
                }
                if (target.endsWith(".")) {
                    target = target.substring(0, target.length() - 1);
                }
                found.add(new SrvRecord(
                        c.getUnsignedShort(at), c.getUnsignedShort(at + 2), c.getUnsignedShort(at + 4), target));
                ttl = Math.min(ttl, record.timeToLive());
            }
            r.release();
            return found.isEmpty()
                    ? new SrvAnswer(List.of(), 0, what + ": no records")
                    : new SrvAnswer(List.copyOf(found), ttl, null);
        });
    }

    void close() {
        resolver.close();
    }

    /** A short reason for a failed query. */
    static String reason(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof DnsNameResolverTimeoutException) {
            return "no answer within " + c.getMessage().replaceAll(".*after ([0-9]+ milliseconds).*", "$1");
        }
        return c.getMessage() != null ? c.getMessage() : c.getClass().getSimpleName();
    }

    // ---------------------------------------------------------------- one question

    /** The answer records of the asked type, retained; or an error. */
    private static final class Raw {
        final List<DnsRawRecord> records;
        final String error;

        Raw(List<DnsRawRecord> records, String error) {
            this.records = records;
            this.error = error;
        }

        void release() {
            records.forEach(DnsRawRecord::release);
        }
    }

    private CompletableFuture<Raw> ask(String name, DnsRecordType type) {
        CompletableFuture<Raw> result = new CompletableFuture<>();
        io.netty.util.concurrent.Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> f;
        try {
            f = resolver.query(new DefaultDnsQuestion(name, type));
        } catch (RuntimeException e) {
            result.complete(new Raw(List.of(), reason(e)));
            return result;
        }
        f.addListener(done -> {
            if (!done.isSuccess()) {
                Throwable cause = done.cause();
                result.complete(new Raw(
                        List.of(),
                        cause instanceof DnsNameResolverTimeoutException
                                ? "no answer within " + timeout.toMillis() + "ms"
                                : reason(cause)));
                return;
            }
            @SuppressWarnings("unchecked")
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                    (AddressedEnvelope<DnsResponse, InetSocketAddress>) done.getNow();
            try {
                DnsResponse response = envelope.content();
                if (response.code() != DnsResponseCode.NOERROR) {
                    result.complete(new Raw(List.of(), response.code().toString()));
                    return;
                }
                List<DnsRawRecord> records = new ArrayList<>();
                for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
                    DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
                    if (r.type() == type && r instanceof DnsRawRecord raw) {
                        records.add(raw.retainedDuplicate());
                    }
                }
                result.complete(new Raw(records, null));
            } finally {
                envelope.release();
            }
        });
        return result;
    }
}
