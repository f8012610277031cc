package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.FunctionError;
import dev.offerrecorder.operator.ops.StackUnreachable;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Turns what went wrong into an exit code and one line a person can act on. */
final class Failures {
    private Failures() {}

    record Failure(int exitCode, String message) {}

    static Failure classify(Throwable e) {
        return switch (e) {
            case StackUnreachable u -> new Failure(RecorderCli.EXIT_UNREACHABLE, oneLine(u.getMessage()));
            case SdkClientException c ->
                new Failure(RecorderCli.EXIT_UNREACHABLE, "cannot reach AWS: " + rootMessage(c));
            case FunctionError f ->
                new Failure(
                        f.rejectedRequest() ? RecorderCli.EXIT_USAGE : RecorderCli.EXIT_FAILED,
                        oneLine(f.getMessage()));
            case AwsServiceException a -> new Failure(RecorderCli.EXIT_FAILED, oneLine(awsMessage(a)));
            default ->
                new Failure(RecorderCli.EXIT_FAILED, oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
        };
    }

    static String awsMessage(AwsServiceException a) {
        var details = a.awsErrorDetails();
        if (details == null) {
            return a.getMessage();
        }
        return details.serviceName() + " refused: " + details.errorCode() + ": " + details.errorMessage() + " (HTTP "
                + a.statusCode() + ")";
    }

    /** The innermost cause's message: "Connection refused" says more than the SDK's wrapper. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return oneLine(t == e ? message : message + " (" + t.getClass().getSimpleName() + ")");
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
