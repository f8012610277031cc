package dev.offerrecorder.operator.ops;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.request.BadRequestException;

/** A Lambda function ran and failed (Invoke answered with X-Amz-Function-Error); carries its error type. */
public final class FunctionError extends RuntimeException {
    private final String function;
    private final String errorType;

    public FunctionError(String function, String errorType, String errorMessage) {
        super(function + " failed: " + errorMessage
                + (errorType == null || errorType.isBlank() ? "" : " (" + shortType(errorType) + ")"));
        this.function = function;
        this.errorType = errorType;
    }

    public String function() {
        return function;
    }

    public String errorType() {
        return errorType;
    }

    /**
     * The function refused its input (the project's one bad-request type) or its configuration, as opposed to
     * failing while doing the work. Lambda reports the exception's class name as the error type.
     */
    public boolean rejectedRequest() {
        return BadRequestException.class.getName().equals(errorType)
                || ConfigException.class.getName().equals(errorType);
    }

    private static String shortType(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }
}
