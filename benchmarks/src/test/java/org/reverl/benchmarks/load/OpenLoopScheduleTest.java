package org.reverl.benchmarks.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OpenLoopScheduleTest {

    /** A clock that moves only when the schedule sleeps: by the wait asked for plus {@code overshoot}. */
    private static final class SteppedClock {
        long now = 1_000;
        long overshoot;
        int sleeps;

        void sleep(long nanos) {
            sleeps++;
            now += nanos + overshoot;
        }
    }

    private record Sent(long index, long intended, long at) {}

    private static List<Sent> run(OpenLoopSchedule schedule, SteppedClock clock, OpenLoopSchedule.Sleeper sleeper) {
        List<Sent> sent = new ArrayList<>();
        long start =
                schedule.run(() -> clock.now, sleeper, (i, intended) -> sent.add(new Sent(i, intended, clock.now)));
        assertThat(start).isEqualTo(1_000);
        return sent;
    }

    @Test
    void offsets_areExact_withoutRoundingCarriedOver() {
        OpenLoopSchedule s = OpenLoopSchedule.of(3, 4);

        assertThat(List.of(s.offsetNanos(0), s.offsetNanos(1), s.offsetNanos(2), s.offsetNanos(3)))
                .containsExactly(0L, 333_333_333L, 666_666_666L, 1_000_000_000L);
        assertThat(OpenLoopSchedule.of(7, 7_000_001).offsetNanos(7_000_000))
                .isEqualTo(TimeUnit.SECONDS.toNanos(1_000_000));
    }

    @Test
    void run_sendsEachRequestInOrder_neverBeforeItsTime_andLateSleepsDoNotShiftTheRest() {
        SteppedClock clock = new SteppedClock();
        clock.overshoot = 70_000; // each wake-up 70 µs late, as a loaded machine would
        OpenLoopSchedule s = OpenLoopSchedule.of(2000, 5);

        List<Sent> sent = run(s, clock, clock::sleep);

        assertThat(sent).extracting(Sent::index).containsExactly(0L, 1L, 2L, 3L, 4L);
        for (Sent x : sent) {
            assertThat(x.intended()).isEqualTo(1_000 + x.index() * 500_000);
            assertThat(x.at()).isGreaterThanOrEqualTo(x.intended());
        }
    }

    @Test
    void run_afterAPause_sendsTheOverdueRequestsAtOnce_withTheTimesTheyWereDue() {
        SteppedClock clock = new SteppedClock();
        OpenLoopSchedule s = OpenLoopSchedule.of(1000, 6);
        // the wait for request 1 stalls the sender for 3.5 ms more: 1 is late, 2, 3 and 4 are overdue when it wakes
        OpenLoopSchedule.Sleeper pausing = nanos -> {
            clock.sleep(nanos);
            if (clock.sleeps == 1) {
                clock.now += 3_500_000;
            }
        };

        List<Sent> sent = run(s, clock, pausing);

        assertThat(sent)
                .extracting(Sent::intended)
                .containsExactly(1_000L, 1_001_000L, 2_001_000L, 3_001_000L, 4_001_000L, 5_001_000L);
        // they go out together at the end of the pause; 5 waits for its own time again
        assertThat(sent)
                .extracting(Sent::at)
                .containsExactly(1_000L, 4_501_000L, 4_501_000L, 4_501_000L, 4_501_000L, 5_001_000L);
        assertThat(clock.sleeps).isEqualTo(2);
    }

    @Test
    void of_rejectsAnImpossibleRateOrCount() {
        assertThatThrownBy(() -> OpenLoopSchedule.of(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rate: 0 (expected: > 0)");
        assertThatThrownBy(() -> OpenLoopSchedule.of(1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("count: -1 (expected: 0-9223372036)");
    }
}
