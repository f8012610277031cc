package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.FunctionInvoker;
import dev.offerrecorder.operator.ops.ObjectCounter;
import dev.offerrecorder.operator.ops.OpsClients;
import dev.offerrecorder.operator.ops.ReplayOps;
import dev.offerrecorder.operator.ops.StackInfo;
import dev.offerrecorder.operator.ops.StatusReader;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;

/** What a stack command works with: the stack, its clients (built once), and where to write. */
record Ops(
        StackInfo stack,
        OpsClients clients,
        ObjectCounter counter,
        PrintWriter out,
        PrintWriter err,
        boolean interactive,
        Clock clock) {

    boolean local() {
        return stack.keys() != null;
    }

    FunctionInvoker invoker() {
        return new FunctionInvoker(clients.lambda(), stack.functionQualifier());
    }

    ReplayOps replay() {
        return new ReplayOps(invoker(), stack.replayFunction());
    }

    StatusReader status() {
        return new StatusReader(stack, clients.sqs(), clients.s3(), counter, clock);
    }

    /** Poll interval of waits: the embedded stack answers at once, AWS's approximate counts move slower. */
    Duration defaultInterval() {
        return local() ? Duration.ofSeconds(1) : Duration.ofSeconds(10);
    }

    /** How long queues must look empty before a run counts as stalled (AWS's counts can lag a minute). */
    Duration defaultStallAfter() {
        return local() ? Duration.ofSeconds(5) : Duration.ofMinutes(2);
    }
}
