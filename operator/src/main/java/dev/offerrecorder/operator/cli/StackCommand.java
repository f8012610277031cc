package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.ObjectCounter;
import dev.offerrecorder.operator.ops.OpsClients;
import dev.offerrecorder.operator.ops.StackInfo;
import dev.offerrecorder.operator.ops.StackUnreachable;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * A command that operates a stack: checks its arguments, finds the stack, builds the clients once, and turns
 * "cannot connect" into one line naming the stack (exit 3) instead of an SDK stack trace.
 */
abstract class StackCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    StackOptions target;

    /** Argument checks beyond picocli's; throw {@link picocli.CommandLine.ParameterException}. */
    void validate() {}

    abstract int run(Ops ops) throws Exception;

    @Override
    public final Integer call() throws Exception {
        target.validate(spec);
        validate();
        StackInfo stack;
        try {
            stack = target.resolve(spec);
        } catch (SdkClientException e) {
            throw new StackUnreachable(
                    "cannot reach CloudFormation for stack " + target.stackName + ": " + Failures.rootMessage(e), e);
        }
        RecorderCli root = (RecorderCli) spec.root().userObject();
        try (OpsClients clients = new OpsClients(stack);
                ObjectCounter counter = new ObjectCounter(clients.s3())) {
            return run(new Ops(
                    stack,
                    clients,
                    counter,
                    spec.commandLine().getOut(),
                    spec.commandLine().getErr(),
                    root.interactive(),
                    Clock.systemUTC()));
        } catch (SdkClientException e) {
            String hint = stack.keys() != null
                    ? "; is './recorder serve --data-dir " + target.localDataDir() + "' still running?"
                    : "";
            throw new StackUnreachable(
                    "cannot reach the " + stack.location() + ": " + Failures.rootMessage(e) + hint, e);
        }
    }
}
