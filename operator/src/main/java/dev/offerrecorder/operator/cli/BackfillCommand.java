package dev.offerrecorder.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.job.InvalidJobException;
import dev.offerrecorder.shared.job.Job;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.run.RunManifest;
import java.time.LocalDate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code ./recorder backfill}: invokes fan-out with a backfill request; fan-out stores the run's plan. */
@Command(
        name = "backfill",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Starts a backfill: invokes the fan-out function with a backfill request (as 'sam remote "
                    + "invoke' would) and prints its summary as JSON. Fan-out stores the plan as runs/RUN.json in "
                    + "the recording bucket (as it does for every run), so 'recorder status --run RUN' can show "
                    + "progress and an ETA.",
            "Give the shops one way: --shops FROM-TO, --shop-ids A,B,C or --manifest s3://BUCKET/KEY."
        },
        footer = {
            "",
            "Examples:",
            "  ./recorder backfill --local --from 2024-01-01 --to 2024-01-31 --shops 1-300 --wait",
            "  ./recorder backfill --stack offer-recorder --region ap-northeast-1 --from 2024-01-01 "
                    + "--to 2024-12-31 --manifest s3://offer-recorder-raw/manifests/shops.csv --dry-run",
            "",
            "Exit codes: 0 accepted (with --wait: every job recorded), 1 failed or stalled, 2 bad "
                    + "arguments or a request fan-out rejected, 3 unreachable."
        })
final class BackfillCommand extends StackCommand {
    private static final Pattern RANGE = Pattern.compile("(\\d{1,18})-(\\d{1,18})");

    @Option(names = "--from", required = true, paramLabel = "YYYY-MM-DD", description = "First date to record.")
    LocalDate from;

    @Option(names = "--to", paramLabel = "YYYY-MM-DD", description = "Last date to record (default: --from).")
    LocalDate to;

    @Option(names = "--shops", paramLabel = "FROM-TO", description = "A range of numeric shop IDs, e.g. 1-300.")
    String shops;

    @Option(names = "--shop-ids", paramLabel = "ID", split = ",", description = "Shop IDs, comma separated.")
    List<String> shopIds;

    @Option(
            names = "--manifest",
            paramLabel = "s3://BUCKET/KEY",
            description = "A shop list in S3 (CSV with header, or JSON Lines; gzip allowed).")
    String manifest;

    @Option(names = "--id-column", paramLabel = "NAME", description = "With --manifest: the ID column or field.")
    String idColumn;

    @Option(
            names = "--run-id",
            paramLabel = "RUN",
            description = "Run ID (letters, digits, '-', '_'); fan-out " + "makes one up when absent.")
    String runId;

    @Option(names = "--limit", paramLabel = "N", description = "Enqueue at most N jobs (a trial run).")
    Long limit;

    @Option(names = "--dry-run", description = "Plan and estimate only: nothing is enqueued or stored.")
    boolean dryRun;

    @Option(names = "--wait", description = "Then follow the run with a progress bar until every job is recorded.")
    boolean await;

    @Mixin
    WaitOptions waitOptions;

    @Override
    void validate() {
        int ways = (shops != null ? 1 : 0) + (shopIds != null ? 1 : 0) + (manifest != null ? 1 : 0);
        if (ways != 1) {
            throw usage("give the shops exactly one way: --shops FROM-TO, --shop-ids A,B,C or --manifest "
                    + "s3://BUCKET/KEY");
        }
        if (shops != null && !RANGE.matcher(shops).matches()) {
            throw usage("--shops '" + shops + "' is not a range like 1-300");
        }
        if (idColumn != null && manifest == null) {
            throw usage("--id-column goes with --manifest");
        }
        if (to != null && to.isBefore(from)) {
            throw usage("--to " + to + " is before --from " + from);
        }
        if (runId != null) {
            try {
                Job.requireId("runId", runId);
            } catch (InvalidJobException e) {
                throw usage("--run-id: " + e.getMessage());
            }
        }
        if (limit != null && limit < 1) {
            throw usage("--limit must be at least 1");
        }
        if (dryRun && await) {
            throw usage("--wait has nothing to wait for with --dry-run");
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    ObjectNode request(ObjectMapper mapper) {
        ObjectNode request = mapper.createObjectNode();
        request.put("from", from.toString());
        request.put("to", (to == null ? from : to).toString());
        if (shops != null) {
            Matcher m = RANGE.matcher(shops);
            if (!m.matches()) {
                throw new IllegalStateException("validated before");
            }
            request.putObject("shopRange")
                    .put("from", Long.parseLong(m.group(1)))
                    .put("to", Long.parseLong(m.group(2)));
        } else if (shopIds != null) {
            var ids = request.putArray("shopIds");
            shopIds.forEach(ids::add);
        } else {
            request.put("manifest", manifest);
            if (idColumn != null) {
                request.put("idColumn", idColumn);
            }
        }
        if (runId != null) {
            request.put("runId", runId);
        }
        if (limit != null) {
            request.put("limit", limit);
        }
        if (dryRun) {
            request.put("dryRun", true);
        }
        return request;
    }

    @Override
    int run(Ops ops) throws Exception {
        ObjectMapper mapper = Json.newMapper();
        ObjectNode request = request(mapper);
        JsonNode summary = ops.invoker().invoke(ops.stack().fanoutFunction(), request);
        ops.out().println(Render.json(summary));
        String run = summary.path("runId").asText(null);
        long planned = summary.path("jobsPlanned").asLong();
        if (dryRun) {
            ops.err().printf("dry run: %d jobs would be enqueued; nothing was%n", planned);
            return RecorderCli.EXIT_OK;
        }
        if (run == null) {
            throw new IllegalStateException(ops.stack().fanoutFunction() + " answered without a runId: " + summary);
        }
        // Fan-out stored the plan before it enqueued anything: one writer, however the run was started.
        ops.err()
                .printf(
                        "run %s: %d jobs planned (%s); fan-out stored the plan at s3://%s/%s%n",
                        run,
                        planned,
                        summary.path("status").asText("?"),
                        ops.stack().rawBucket(),
                        RunManifest.key(run));
        if (!await) {
            ops.err().printf("follow it with: recorder status %s --run %s --wait%n", describeTarget(), run);
            return RecorderCli.EXIT_OK;
        }
        return waitOptions.await(ops, run, null).exitCode();
    }

    private String describeTarget() {
        return target.local
                ? "--local --data-dir " + target.localDataDir()
                : "--stack " + target.stackName + (target.region != null ? " --region " + target.region : "");
    }
}
