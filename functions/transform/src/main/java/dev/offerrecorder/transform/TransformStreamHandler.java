package dev.offerrecorder.transform;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import dev.offerrecorder.shared.request.BadRequestException;
import dev.offerrecorder.shared.sqs.SqsBatches;
import dev.offerrecorder.shared.trace.NewRelicTracing;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.crac.Resource;

/**
 * The transform's Lambda entry point (template.yaml): reads the SQS event's JSON with the project's own Jackson
 * and answers the partial-batch response ({@code {"batchItemFailures":[{"itemIdentifier":...}]}}), everything
 * else being {@link TransformHandler}'s. Taking the event as a stream keeps the Lambda runtime's event serializer
 * out of it, and with it joda-time, which that serializer loads for every event type (so the deployment jar
 * need not carry it). Only what the transform reads of a message is mapped: its id and body.
 */
public final class TransformStreamHandler implements RequestStreamHandler, Resource {
    private final TransformHandler handler;
    private final ObjectMapper mapper = Json.newMapper();

    public TransformStreamHandler() {
        this(Env.system());
    }

    /** With New Relic tracing: the layer's agent when present, a no-op otherwise. */
    public TransformStreamHandler(Env env) {
        this.handler = new TransformHandler(env, new NewRelicTracing(), false);
        org.crac.Core.getGlobalContext().register(this);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        SQSBatchResponse response = handler.handleRequest(event(input.readAllBytes()), context);
        output.write(mapper.writeValueAsBytes(reply(response)));
        output.flush();
    }

    /** The SQS event, or BadRequestException saying what is wrong with it (then the whole batch is retried). */
    SQSEvent event(byte[] json) {
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (IOException e) {
            throw new BadRequestException("transform input is not JSON: " + e.getMessage());
        }
        JsonNode records = root == null ? null : root.get("Records");
        if (records == null || !records.isArray()) {
            throw new BadRequestException("transform input must be an SQS event with a \"Records\" array, got "
                    + (root == null ? "nothing" : "fields " + fieldNames(root)));
        }
        List<SQSEvent.SQSMessage> messages = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            JsonNode record = records.get(i);
            JsonNode id = record.get("messageId");
            if (id == null || !id.isTextual()) {
                throw new BadRequestException("SQS event record " + i + " has no \"messageId\"");
            }
            SQSEvent.SQSMessage message = new SQSEvent.SQSMessage();
            message.setMessageId(id.asText());
            JsonNode body = record.get("body");
            message.setBody(body == null || body.isNull() ? null : body.asText());
            messages.add(message);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(messages);
        return event;
    }

    private ObjectNode reply(SQSBatchResponse response) {
        ObjectNode reply = mapper.createObjectNode();
        ArrayNode failures = reply.putArray("batchItemFailures");
        response.getBatchItemFailures().forEach(f -> failures.addObject().put("itemIdentifier", f.getItemIdentifier()));
        return reply;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** SnapStart: the transform's priming (see {@link TransformHandler}), then this class's JSON path. */
    @Override
    public void beforeCheckpoint(org.crac.Context<? extends Resource> context) {
        handler.beforeCheckpoint(context);
        event("{\"Records\":[{\"messageId\":\"prime\",\"body\":\"{}\"}]}".getBytes(StandardCharsets.UTF_8));
        try {
            mapper.writeValueAsBytes(reply(SqsBatches.failures(List.of("prime"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void afterRestore(org.crac.Context<? extends Resource> context) {
        handler.afterRestore(context);
    }
}
