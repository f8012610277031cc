package dev.offerrecorder.operator.ops;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/** Reads a deployed stack's outputs (DescribeStacks) into a {@link StackInfo}. */
public final class CloudFormationStacks {
    private CloudFormationStacks() {}

    /**
     * @param endpoint an endpoint override for every service (LocalStack), or null for AWS
     */
    public static StackInfo resolve(String stackName, String region, URI endpoint) {
        Stack stack;
        try (CloudFormationClient cfn = OpsClients.cloudFormation(region, endpoint)) {
            stack = cfn.describeStacks(r -> r.stackName(stackName)).stacks().stream()
                    .findFirst()
                    .orElseThrow(() -> notFound(stackName, region, "DescribeStacks returned nothing"));
        } catch (CloudFormationException e) {
            String message = e.awsErrorDetails() == null
                    ? e.getMessage()
                    : e.awsErrorDetails().errorMessage();
            if (message != null && message.contains("does not exist")) {
                throw notFound(stackName, region, message);
            }
            throw e;
        }
        Map<String, String> outputs = new HashMap<>();
        for (Output o : stack.outputs()) {
            outputs.put(o.outputKey(), o.outputValue());
        }
        StackInfo.Endpoints endpoints =
                endpoint == null ? StackInfo.Endpoints.none() : StackInfo.Endpoints.all(endpoint);
        return StackInfo.fromOutputs(stackName, region, outputs, endpoints);
    }

    private static StackUnreachable notFound(String stackName, String region, String why) {
        return new StackUnreachable("CloudFormation stack " + stackName + " not found in " + region + " (" + why
                + "); check --stack and --region, or deploy it with sam deploy");
    }
}
