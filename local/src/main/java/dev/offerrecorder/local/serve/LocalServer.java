package dev.offerrecorder.local.serve;

import dev.offerrecorder.fanout.FanoutHandler;
import dev.offerrecorder.local.pipeline.LocalPipeline;
import dev.offerrecorder.local.pipeline.PipelineOptions;
import dev.offerrecorder.operator.ops.LocalStackFile;
import dev.offerrecorder.operator.ops.StackInfo;
import dev.offerrecorder.replay.ReplayHandler;
import dev.offerrecorder.replay.ReplayService;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.testkit.aws.EmbeddedAws;
import dev.offerrecorder.testkit.aws.EmbeddedStack;
import dev.offerrecorder.testkit.aws.StackLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The embedded stack as a service for other processes ({@code ./recorder serve}): the whole local pipeline, the
 * Lambda Invoke API for the directly invoked functions (fan-out, replay), and {@code DATA_DIR/stack.json} saying
 * how to reach all of it. The replay function's API capacity is the simulator's ceiling (W / L).
 */
public final class LocalServer implements AutoCloseable {
    /** {@code sam local invoke --env-vars DATA_DIR/sam-env-vars.json} points the functions at this stack. */
    public static final String SAM_ENV_VARS = "sam-env-vars.json";

    private final LocalPipeline pipeline;
    private final LambdaInvokeServer functions;
    private final StackInfo stack;
    private final Path dataDir;
    private final int capacity;

    private LocalServer(
            LocalPipeline pipeline, LambdaInvokeServer functions, StackInfo stack, Path dataDir, int capacity) {
        this.pipeline = pipeline;
        this.capacity = capacity;
        this.functions = functions;
        this.stack = stack;
        this.dataDir = dataDir;
    }

    /** Refuses (with {@link IllegalStateException}) when a live serve already owns the data directory. */
    public static LocalServer start(PipelineOptions options) throws Exception {
        Path dataDir = options.dataDir().toAbsolutePath();
        var existing = LocalStackFile.read(dataDir);
        if (existing.isPresent()
                && ProcessHandle.of(existing.get().pid())
                        .map(ProcessHandle::isAlive)
                        .orElse(false)) {
            throw new IllegalStateException("a local stack already runs in " + dataDir + " (process "
                    + existing.get().pid() + "); stop it first or use another --data-dir");
        }
        LocalPipeline pipeline = LocalPipeline.start(options);
        LambdaInvokeServer functions = null;
        try {
            EmbeddedStack embedded = pipeline.stack();
            StackLayout layout = embedded.layout();
            int capacity = (int)
                    Math.max(1, Math.min(1_000_000, Math.floor(pipeline.api().ceilingPerSecond())));
            String fanoutName = layout.prefix() + "-fanout";
            String replayName = layout.prefix() + "-replay";
            functions = new LambdaInvokeServer(Map.of(
                    fanoutName,
                            new LambdaInvokeServer.Function(
                                    new FanoutHandler(embedded.fanoutEnv()), Duration.ofMinutes(15)),
                    replayName,
                            new LambdaInvokeServer.Function(
                                    new ReplayHandler(
                                            embedded.replayEnv().with("API_CAPACITY_RPS", Integer.toString(capacity))),
                                    Duration.ofMinutes(1))));
            StackInfo stack = new StackInfo(
                    layout.prefix(),
                    EmbeddedAws.REGION,
                    "local stack in " + dataDir,
                    embedded.url(layout.jobQueue()),
                    embedded.url(layout.jobDlq()),
                    embedded.url(layout.fanoutQueue()),
                    embedded.url(layout.fanoutDlq()),
                    embedded.url(layout.transformQueue()),
                    embedded.url(layout.transformDlq()),
                    layout.rawBucket(),
                    layout.platformBucket(),
                    fanoutName,
                    replayName,
                    null,
                    new StackInfo.Endpoints(
                            embedded.aws().sqsEndpoint(), embedded.aws().s3Endpoint(), functions.endpoint()),
                    new StackInfo.Keys(EmbeddedAws.ACCESS_KEY, EmbeddedAws.SECRET_KEY));
            LocalStackFile.write(
                    dataDir,
                    new LocalStackFile.Content(
                            1,
                            ProcessHandle.current().pid(),
                            Instant.now(),
                            pipeline.api().baseUri().toString(),
                            capacity,
                            stack));
            String jobQueueUrl = stack.jobQueueUrl();
            SamEnvVars samEnv = new SamEnvVars(
                    embedded.aws().sqsEndpoint().toString(),
                    embedded.aws().s3Endpoint().toString(),
                    jobQueueUrl.substring(0, jobQueueUrl.lastIndexOf('/')),
                    pipeline.api().urlTemplate());
            Files.writeString(
                    dataDir.resolve(SAM_ENV_VARS),
                    Json.newMapper().writerWithDefaultPrettyPrinter().writeValueAsString(samEnv.byFunction(layout)));
            return new LocalServer(pipeline, functions, stack, dataDir, capacity);
        } catch (Exception e) {
            if (functions != null) {
                functions.close();
            }
            pipeline.close();
            throw e;
        }
    }

    public LocalPipeline pipeline() {
        return pipeline;
    }

    public StackInfo stack() {
        return stack;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The replay function's API capacity here: the simulator's ceiling, W / L requests per second. */
    public int apiCapacity() {
        return capacity;
    }

    /** The rate a replay gets by default here (REPLAY_HEADROOM_PERCENT's default share of the capacity). */
    public int defaultReplayRate() {
        return ReplayService.rateFor(capacity, 0.5);
    }

    @Override
    public void close() {
        LocalStackFile.removeIfOwned(dataDir);
        try {
            functions.close();
        } finally {
            pipeline.close();
        }
    }

    /** For messages: where the stack file is. */
    public Path stackFile() {
        return LocalStackFile.path(dataDir);
    }
}
