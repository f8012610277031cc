package dev.offerrecorder.testkit.runner;

/**
 * What {@link LambdaRunner} does to an SQS-triggered invocation instead of running it normally: the ways a Lambda
 * container or the event source mapping fails in production, as seen from the queue.
 */
@FunctionalInterface
public interface InvocationFaults {

    enum Action {
        /** Run the handler and delete what it did not report failed. */
        RUN,
        /** The container dies before the handler runs: nothing is done, nothing deleted. */
        CRASH_BEFORE_HANDLER,
        /**
         * The container dies after the handler's work, before the poller deletes anything (a timeout after the
         * last write, an out-of-memory kill): the work stands and every message comes back.
         */
        CRASH_AFTER_HANDLER,
        /** SQS delivers the batch twice (at-least-once): two handler instances run it at the same time. */
        DELIVER_TWICE
    }

    /**
     * @param functionName the event source's function
     * @param invocation   1-based count of that function's SQS invocations on this runner
     */
    Action decide(String functionName, long invocation);

    static InvocationFaults none() {
        return (function, invocation) -> Action.RUN;
    }

    /** {@code action} on every {@code n}th invocation of {@code function}; everything else runs normally. */
    static InvocationFaults everyNth(String function, int n, Action action) {
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1, got " + n);
        }
        return (f, invocation) -> f.equals(function) && invocation % n == 0 ? action : Action.RUN;
    }

    /** This plan's action, or {@code other}'s where this one says RUN. */
    default InvocationFaults or(InvocationFaults other) {
        return (f, invocation) -> {
            Action a = decide(f, invocation);
            return a != Action.RUN ? a : other.decide(f, invocation);
        };
    }
}
