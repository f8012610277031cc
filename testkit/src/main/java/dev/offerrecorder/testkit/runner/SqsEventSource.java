package dev.offerrecorder.testkit.runner;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * An SQS event source mapping as template.yaml declares one: which queue feeds which handler, batch size and
 * batching window, how many concurrent invocations ({@code ScalingConfig.MaximumConcurrency}), and the function's
 * timeout. Each concurrent slot gets its own handler instance, as each Lambda container would.
 */
public record SqsEventSource(
        String functionName,
        String queueUrl,
        String queueArn,
        int batchSize,
        Duration batchingWindow,
        int maximumConcurrency,
        Duration timeout,
        Supplier<Object> handlerFactory) {}
