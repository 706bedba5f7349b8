package org.reverl.strategy.hash;

import org.reverl.gateway.api.RequestContext;

/** Request contexts for tests: a client address hash, and optionally a header's hash. */
final class Keys implements RequestContext {

    long clientHash;
    long headerHash;
    HashKey lastAsked;

    Keys(long clientHash) {
        this.clientHash = clientHash;
    }

    /** Client {@code i}: a hash as the proxy makes one from an IPv4 address. */
    static Keys client(int i) {
        return new Keys(clientHashOf(i));
    }

    static long clientHashOf(int i) {
        return (0x0A000000 + i) * 0x9E3779B97F4A7C15L;
    }

    Keys set(int client) {
        clientHash = clientHashOf(client);
        return this;
    }

    @Override
    public long affinityHash() {
        return clientHash;
    }

    @Override
    public long keyHash(HashKey key) {
        lastAsked = key;
        return key.source() == HashKey.Source.HEADER ? headerHash : RequestContext.super.keyHash(key);
    }
}
