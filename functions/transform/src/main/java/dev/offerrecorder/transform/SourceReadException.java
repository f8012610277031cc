package dev.offerrecorder.transform;

import java.io.IOException;

/**
 * Reading a raw object failed (S3 refused it, or the transfer broke before every byte arrived): the object is not
 * at fault and a retry can succeed, so its message is left for SQS to redeliver. Anything else that fails while
 * transforming (the local disk, an upload) is not the object's fault either, but it fails the whole batch.
 */
final class SourceReadException extends IOException {
    SourceReadException(String message, Throwable cause) {
        super(message, cause);
    }
}
