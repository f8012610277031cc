package dev.offerrecorder.fanout;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.log.JsonLog;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.shared.snapstart.Priming;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import dev.offerrecorder.shared.trace.Tracing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import java.util.Optional;
import org.crac.Resource;

/**
 * Lambda entry point for a schedule (EventBridge rule or Scheduler) or a backfill request (direct invoke). A
 * stream handler, because one function takes these shapes and names what is wrong with any other. Replies with
 * the run summary as JSON. Slice messages from the fan-out queue go to {@link SliceHandler}, a function of its
 * own in the same jar.
 */
public final class FanoutHandler implements RequestStreamHandler, Resource {
    private final FanoutService service;
    private final ObjectMapper mapper = Json.newMapper();
    private final JsonLog log = new JsonLog("fanout");
    private final Env env;

    public FanoutHandler() {
        this(Env.system());
    }

    public FanoutHandler(Env env) {
        this(env, new NewRelicTracing());
    }

    /** @param tracing the port to New Relic; tests pass a recording one */
    public FanoutHandler(Env env, Tracing tracing) {
        // The recording bucket, where each run's plan goes (runs/RUN.json) for `recorder status --run`.
        this.env = env;
        this.service = FanoutService.create(env, tracing, log, Optional.of(env.require("RAW_BUCKET")));
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        FanoutSummary summary;
        try {
            JsonNode request;
            try {
                request = mapper.readTree(input);
            } catch (JsonProcessingException e) {
                throw new BadRequestException("request is not JSON: " + e.getOriginalMessage());
            }
            summary = service.handle(request, context::getRemainingTimeInMillis);
        } catch (BadRequestException e) {
            log.error("bad fan-out request", Map.of("reason", e.getMessage()));
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("fan-out interrupted", e);
        }
        log.info("fan-out done", Map.of("summary", summary));
        mapper.writeValue(output, summary);
    }

    /** SnapStart: warm the expensive first-use paths before the snapshot (see {@link Priming}). */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        FanoutService.prime(env);
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        // Nothing to renew: no connection or credential is opened before the snapshot.
    }
}
