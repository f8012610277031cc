package dev.offerrecorder.local.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LambdaInvokeServerTest {
    @Test
    void functionNamesAreReadFromNamesQualifiedNamesAndArns() {
        assertEquals("rec-fanout", LambdaInvokeServer.functionName("rec-fanout"));
        assertEquals("rec-fanout", LambdaInvokeServer.functionName("rec-fanout:live"));
        assertEquals(
                "rec-fanout",
                LambdaInvokeServer.functionName("arn:aws:lambda:us-east-1:000000000000:function:rec-fanout:live"));
    }
}
