package dev.offerrecorder.operator.ops;

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

    /** The function refused its input (a validation error), as opposed to failing while doing the work. */
    public boolean rejectedRequest() {
        return errorType != null
                && (errorType.endsWith("BadRequestException")
                        || errorType.endsWith("IllegalArgumentException")
                        || errorType.endsWith("ConfigException"));
    }

    private static String shortType(String type) {
        return type.substring(type.lastIndexOf('.') + 1);
    }
}
