package dev.offerrecorder.operator.ops;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything the CLI needs to operate one stack, from CloudFormation outputs (a deployed stack) or from
 * {@code stack.json} (the embedded stack of {@code ./recorder serve}). The operations code is the same for both:
 * only region, endpoints and credentials differ.
 *
 * @param location           for messages: "CloudFormation stack NAME in REGION" or "local stack in DIR"
 * @param functionQualifier  alias to invoke functions with (the template's FunctionAlias), or null
 * @param endpoints          endpoint overrides (embedded stack, LocalStack); nulls for AWS itself
 * @param keys               static credentials of the embedded stack; null means the default credential chain
 */
public record StackInfo(
        String name,
        String region,
        String location,
        String jobQueueUrl,
        String jobDlqUrl,
        String fanoutQueueUrl,
        String fanoutDlqUrl,
        String transformQueueUrl,
        String transformDlqUrl,
        String rawBucket,
        String platformBucket,
        String fanoutFunction,
        String replayFunction,
        String functionQualifier,
        Endpoints endpoints,
        Keys keys) {

    /** The outputs template.yaml declares that the CLI cannot work without. */
    public static final List<String> REQUIRED_OUTPUTS = List.of(
            "JobQueueUrl",
            "JobDlqUrl",
            "FanoutQueueUrl",
            "TransformQueueUrl",
            "RawBucketName",
            "PlatformBucketName",
            "FanoutFunctionName",
            "ReplayFunctionName");

    public record Endpoints(URI sqs, URI s3, URI lambda) {
        public static Endpoints none() {
            return new Endpoints(null, null, null);
        }

        public static Endpoints all(URI uri) {
            return new Endpoints(uri, uri, uri);
        }
    }

    public record Keys(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Keys[" + accessKeyId + "]";
        }
    }

    /** A deployed stack from its CloudFormation outputs; names every missing output at once. */
    public static StackInfo fromOutputs(
            String stackName, String region, Map<String, String> outputs, Endpoints endpoints) {
        List<String> missing = new ArrayList<>();
        for (String key : REQUIRED_OUTPUTS) {
            String value = outputs.get(key);
            if (value == null || value.isBlank()) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("CloudFormation stack " + stackName + " in " + region + " has no output "
                    + String.join(", ", missing) + ": deploy the current template.yaml (sam deploy)");
        }
        String alias = outputs.get("FunctionAlias");
        return new StackInfo(
                stackName,
                region,
                "CloudFormation stack " + stackName + " in " + region,
                outputs.get("JobQueueUrl"),
                outputs.get("JobDlqUrl"),
                outputs.get("FanoutQueueUrl"),
                outputs.get("FanoutDlqUrl"),
                outputs.get("TransformQueueUrl"),
                outputs.get("TransformDlqUrl"),
                outputs.get("RawBucketName"),
                outputs.get("PlatformBucketName"),
                outputs.get("FanoutFunctionName"),
                outputs.get("ReplayFunctionName"),
                alias == null || alias.isBlank() ? null : alias,
                endpoints,
                null);
    }
}
