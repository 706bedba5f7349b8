package org.reverl.gateway.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The backends already tried for one request, so that failover never sends it to the same backend twice, and the
 * reasons they failed, so that the caller's error can say what happened.
 *
 * <p>Costs nothing until the first failure: no array is allocated before {@link #record} is first called, so a
 * transport may keep one instance per connection and {@link #clear()} it between requests.
 *
 * <p>Not thread-safe: owned by one request at a time.
 */
public final class Attempts {

    private Backend[] backends;
    private String[] reasons;
    private int size;

    /** Records that {@code backend} did not serve the request because of {@code reason}. */
    public void record(Backend backend, String reason) {
        requireNonNull(backend, "backend");
        requireNonNull(reason, "reason");
        if (backends == null) {
            backends = new Backend[4];
            reasons = new String[4];
        } else if (size == backends.length) {
            backends = Arrays.copyOf(backends, size * 2);
            reasons = Arrays.copyOf(reasons, size * 2);
        }
        backends[size] = backend;
        reasons[size] = reason;
        size++;
    }

    /** Whether {@code backend} was already tried. */
    public boolean contains(Backend backend) {
        for (int i = 0; i < size; i++) {
            if (backends[i] == backend) {
                return true;
            }
        }
        return false;
    }

    /** How many backends were tried and failed. */
    public int size() {
        return size;
    }

    /** Whether nothing was recorded. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** Forgets everything, keeping the arrays for reuse. */
    public void clear() {
        if (backends != null) {
            Arrays.fill(backends, 0, size, null);
            Arrays.fill(reasons, 0, size, null);
        }
        size = 0;
    }

    /** An immutable copy of what was recorded, in order. */
    public List<Attempt> toList() {
        List<Attempt> list = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            list.add(new Attempt(backends[i].id(), reasons[i]));
        }
        return List.copyOf(list);
    }

    @Override
    public String toString() {
        return toList().toString();
    }
}
