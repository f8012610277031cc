package dev.offerrecorder.operator.ops;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.request.BadRequestException;
import org.junit.jupiter.api.Test;

class FunctionErrorTest {
    @Test
    void theSharedBadRequestTypeAndConfigErrorsAreRejectedRequests() {
        assertTrue(new FunctionError("fanout", BadRequestException.class.getName(), "from is not a date")
                .rejectedRequest());
        assertTrue(new FunctionError("replay", ConfigException.class.getName(), "API_CAPACITY_RPS").rejectedRequest());
    }

    @Test
    void failuresWhileWorkingAreNot() {
        assertFalse(
                new FunctionError("fanout", IllegalStateException.class.getName(), "SQS refused").rejectedRequest());
        assertFalse(new FunctionError("fanout", "java.lang.OutOfMemoryError", "heap").rejectedRequest());
        assertFalse(new FunctionError("fanout", null, "timed out").rejectedRequest());
        // A bug's IllegalArgumentException is a failure, not the caller's fault.
        assertFalse(new FunctionError("replay", IllegalArgumentException.class.getName(), "x").rejectedRequest());
    }
}
