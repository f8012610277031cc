package dev.offerrecorder.operator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StackInfoTest {
    @Test
    void outputsBecomeTheStackDescription() {
        Map<String, String> outputs = outputs();
        outputs.put("FunctionAlias", "live");
        StackInfo stack = StackInfo.fromOutputs("rec", "ap-northeast-1", outputs, StackInfo.Endpoints.none());
        assertEquals("https://sqs/jobs-dlq", stack.jobDlqUrl());
        assertEquals("rec-replay", stack.replayFunction());
        assertEquals("live", stack.functionQualifier());
        assertEquals("CloudFormation stack rec in ap-northeast-1", stack.location());
        assertNull(stack.keys(), "a deployed stack uses the default credential chain");
    }

    @Test
    void everyMissingOutputIsNamedAtOnce() {
        Map<String, String> outputs = outputs();
        outputs.remove("JobDlqUrl");
        outputs.remove("ReplayFunctionName");
        var e = assertThrows(
                IllegalStateException.class,
                () -> StackInfo.fromOutputs("rec", "eu-west-1", outputs, StackInfo.Endpoints.none()));
        assertTrue(e.getMessage().contains("JobDlqUrl, ReplayFunctionName"), e.getMessage());
        assertTrue(e.getMessage().contains("rec in eu-west-1"), e.getMessage());
    }

    private static Map<String, String> outputs() {
        Map<String, String> o = new HashMap<>();
        o.put("JobQueueUrl", "https://sqs/jobs");
        o.put("JobDlqUrl", "https://sqs/jobs-dlq");
        o.put("FanoutQueueUrl", "https://sqs/fanout");
        o.put("TransformQueueUrl", "https://sqs/transform");
        o.put("RawBucketName", "rec-raw");
        o.put("PlatformBucketName", "rec-platform");
        o.put("FanoutFunctionName", "rec-fanout");
        o.put("ReplayFunctionName", "rec-replay");
        return o;
    }
}
