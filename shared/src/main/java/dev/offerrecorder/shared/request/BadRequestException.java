package dev.offerrecorder.shared.request;

/**
 * A function refused its input: the message names the field, line or value and what is wrong with it. The one
 * bad-request type of every function; the operator CLI tells it apart from a failure by its class name
 * (an invocation's errorType) and exits with a usage error.
 */
public class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
