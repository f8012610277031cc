package dev.offerrecorder.operator.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.offerrecorder.shared.json.Json;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;

/**
 * Invokes a function synchronously (RequestResponse), as {@code sam remote invoke} does: the deployed function in
 * AWS, or the embedded stack's function through the Lambda Invoke API that {@code ./recorder serve} emulates.
 */
public final class FunctionInvoker {
    private final LambdaClient lambda;
    private final String qualifier;
    private final ObjectMapper mapper = Json.newMapper();

    public FunctionInvoker(LambdaClient lambda, String qualifier) {
        this.lambda = lambda;
        this.qualifier = qualifier;
    }

    public JsonNode invoke(String function, JsonNode request) {
        InvokeResponse response = lambda.invoke(r -> {
            r.functionName(function)
                    .invocationType(InvocationType.REQUEST_RESPONSE)
                    .payload(SdkBytes.fromUtf8String(request.toString()));
            if (qualifier != null) {
                r.qualifier(qualifier);
            }
        });
        String payload = response.payload() == null ? "" : response.payload().asUtf8String();
        JsonNode body;
        try {
            body = payload.isBlank() ? mapper.nullNode() : mapper.readTree(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(function + " answered with something that is not JSON: "
                    + payload.substring(0, Math.min(200, payload.length())));
        }
        if (response.functionError() != null) {
            throw new FunctionError(
                    function,
                    body.path("errorType").asText(null),
                    body.path("errorMessage").asText(payload));
        }
        return body;
    }
}
