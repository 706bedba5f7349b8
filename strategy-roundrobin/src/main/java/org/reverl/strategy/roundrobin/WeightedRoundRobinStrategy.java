package org.reverl.strategy.roundrobin;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.reverl.gateway.api.Backend;
import org.reverl.gateway.api.RequestContext;
import org.reverl.gateway.api.SelectionStrategy;

/**
 * Smooth weighted round robin over the eligible backends' effective weights: over a full cycle of {@code sum(weights)
 * / gcd(weights)} picks each backend is picked exactly its share, spread out rather than in bursts (see {@link
 * WeightedSchedule} for the two schedule shapes, their smoothness and memory bounds).
 *
 * <h2>Threading</h2>
 * {@link #update} builds an immutable {@link WeightedSchedule} from the effective weights of that moment and publishes
 * it with one volatile write: a weight change (slow start) takes effect when the gateway calls {@code update} again.
 * {@link #select} is one volatile read, one atomic increment and an array read (or {@code O(log D)} arithmetic): lock-free
 * and allocation-free. All threads share one sequence, so the cycle is exact whichever thread picks.
 */
final class WeightedRoundRobinStrategy implements SelectionStrategy {

    /** Reduced total weights up to this are precomputed ({@code char[]}, at most 128 KiB). */
    static final int DEFAULT_MAX_SCHEDULE_LENGTH = 1 << 16;

    private final AtomicLong sequence;
    private final int maxScheduleLength;
    private volatile WeightedSchedule schedule = WeightedSchedule.EMPTY;

    WeightedRoundRobinStrategy(long start) {
        this(start, DEFAULT_MAX_SCHEDULE_LENGTH);
    }

    /** {@code maxScheduleLength} lets tests exercise the large-weight schedule with small weights. */
    WeightedRoundRobinStrategy(long start, int maxScheduleLength) {
        if (maxScheduleLength < 0 || maxScheduleLength > DEFAULT_MAX_SCHEDULE_LENGTH) {
            throw new IllegalArgumentException(
                    "maxScheduleLength: " + maxScheduleLength + " (expected: 0-" + DEFAULT_MAX_SCHEDULE_LENGTH + ")");
        }
        this.sequence = new AtomicLong(start & Long.MAX_VALUE);
        this.maxScheduleLength = maxScheduleLength;
    }

    /**
     * @throws IllegalArgumentException if the total weight divided by the weights' gcd exceeds {@link
     *     WeightedSchedule#MAX_TOTAL_WEIGHT} (more than 214,748 backends of weight 10,000)
     */
    @Override
    public void update(List<Backend> eligible) {
        Backend[] backends = requireNonNull(eligible, "eligible").toArray(new Backend[0]);
        schedule = WeightedSchedule.of(backends, maxScheduleLength);
    }

    @Override
    public Backend select(RequestContext request) {
        // Masking keeps the sequence non-negative; a long takes centuries to wrap at any request rate.
        return schedule.pick(sequence.getAndIncrement() & Long.MAX_VALUE);
    }

    WeightedSchedule schedule() {
        return schedule;
    }

    @Override
    public String toString() {
        return "weighted_round_robin" + schedule;
    }
}
