package dev.offerrecorder.fanout;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.sqs.SqsBatches;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.util.List;
import java.util.Optional;
import org.crac.Resource;

/**
 * Lambda entry point for the fan-out queue: a batch of slice messages in, partial batch failures out (the event
 * source has ReportBatchItemFailures). Wiring only; {@link FanoutService} runs the slices.
 */
public final class SliceHandler implements RequestHandler<SQSEvent, SQSBatchResponse>, Resource {
    private final FanoutService service;
    private final JsonLog log = new JsonLog("fanout");
    private final Env env;

    public SliceHandler() {
        this(Env.system());
    }

    public SliceHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    /** @param tracing the port to New Relic; tests pass a recording one */
    public SliceHandler(Env env, Tracing tracing) {
        this.env = env;
        this.service = FanoutService.create(env, tracing, log, Optional.empty());
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        List<FanoutService.SliceMessage> messages = records.stream()
                .map(m -> new FanoutService.SliceMessage(m.getMessageId(), m.getBody(), SqsBatches.stringAttributes(m)))
                .toList();
        FanoutService.SliceRun run;
        try {
            run = service.runSlices(messages, context::getRemainingTimeInMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("slice run interrupted", e);
        }
        return SqsBatches.failures(run.failedMessageIds());
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        FanoutService.prime(env);
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection or credential is opened before the snapshot.
    }
}
