package dev.offerrecorder.operator.ops;

/** The stack cannot be reached or found: nothing was changed. The message is one line that says what to do. */
public final class StackUnreachable extends RuntimeException {
    public StackUnreachable(String message) {
        super(message);
    }

    public StackUnreachable(String message, Throwable cause) {
        super(message, cause);
    }
}
