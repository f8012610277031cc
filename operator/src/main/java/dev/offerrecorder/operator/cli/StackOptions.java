package dev.offerrecorder.operator.cli;

import dev.offerrecorder.operator.ops.CloudFormationStacks;
import dev.offerrecorder.operator.ops.LocalStackFile;
import dev.offerrecorder.operator.ops.StackInfo;
import java.net.URI;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Which stack a command operates: {@code --local [--data-dir DIR]} or {@code --stack NAME [--region R]}. */
public final class StackOptions {
    public static final String DEFAULT_DATA_DIR = "data/local";

    @Option(
            names = "--local",
            order = 100,
            description = "Operate the embedded stack that './recorder serve' runs (reads DATA_DIR/stack.json).")
    boolean local;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            order = 101,
            description = "With --local: the data directory of './recorder serve' (default: " + DEFAULT_DATA_DIR + ").")
    Path dataDir;

    @Option(
            names = "--stack",
            paramLabel = "NAME",
            order = 102,
            description = "Operate a deployed stack, found by its CloudFormation name; credentials come from the "
                    + "AWS SDK's default chain (environment, profile, SSO, instance role).")
    String stackName;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            order = 103,
            description = "With --stack: the stack's region (default: AWS_REGION or the profile's region).")
    String region;

    @Option(
            names = "--endpoint-url",
            paramLabel = "URL",
            order = 104,
            description = "With --stack: one endpoint for every AWS service, e.g. LocalStack's http://localhost:4566.")
    URI endpoint;

    /** Checks the combination; reading the stack is {@link #resolve}'s job. */
    void validate(CommandSpec spec) {
        if (local == (stackName != null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "say which stack: --local [--data-dir DIR] for the "
                            + "embedded stack of './recorder serve', or --stack NAME [--region R] for a deployed one");
        }
        if (local && (region != null || endpoint != null)) {
            throw new ParameterException(
                    spec.commandLine(), "--region and --endpoint-url go with --stack, not " + "--local");
        }
        if (!local && dataDir != null) {
            throw new ParameterException(spec.commandLine(), "--data-dir goes with --local, not --stack");
        }
        if (stackName != null && stackName.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--stack needs a stack name");
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "--endpoint-url '" + endpoint + "' is not a URL like " + "http://localhost:4566");
        }
    }

    StackInfo resolve(CommandSpec spec) {
        if (local) {
            return LocalStackFile.resolve(localDataDir());
        }
        return CloudFormationStacks.resolve(stackName, region(spec), endpoint);
    }

    Path localDataDir() {
        return (dataDir == null ? Path.of(DEFAULT_DATA_DIR) : dataDir)
                .toAbsolutePath()
                .normalize();
    }

    private String region(CommandSpec spec) {
        if (region != null) {
            return region;
        }
        try {
            return new DefaultAwsRegionProviderChain().getRegion().id();
        } catch (SdkClientException e) {
            throw new ParameterException(spec.commandLine(), "no AWS region: pass --region or set AWS_REGION");
        }
    }
}
