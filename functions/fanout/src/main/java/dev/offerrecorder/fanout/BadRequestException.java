package dev.offerrecorder.fanout;

/** The request cannot be planned: the message names the field or manifest line and what is wrong. */
public final class BadRequestException extends RuntimeException {
    public BadRequestException(String message) {
        super(message);
    }
}
