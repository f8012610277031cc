package dev.offerrecorder.shared.job;

/** A message or request does not describe a valid job; the message says which field and why. */
public final class InvalidJobException extends RuntimeException {
    public InvalidJobException(String reason) {
        super(reason);
    }
}
