package dev.offerrecorder.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.request.BadRequestException;
import java.util.List;
import org.junit.jupiter.api.Test;

class S3NotificationsTest {
    private final S3Notifications notifications = new S3Notifications();

    @Test
    void readsUrlEncodedKeysOfRawLogsOnly() {
        String body = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{"
                + "\"bucket\":{\"name\":\"raw\"},\"object\":{\"key\":\"raw/dt%3D2024-01-01/run%3Da+b/part-1.jsonl.gz\","
                + "\"size\":10}}},{\"s3\":{\"bucket\":{\"name\":\"raw\"},\"object\":{\"key\":\"other/x.txt\"}}}]}";
        assertEquals(
                List.of(new S3Notifications.ObjectRef("raw", "raw/dt=2024-01-01/run=a b/part-1.jsonl.gz")),
                notifications.parse(body));
    }

    /** S3 sends this once when a notification configuration is set: nothing to transform, and no failure. */
    @Test
    void ignoresTheTestEvent() {
        String body = "{\"Service\":\"Amazon S3\",\"Event\":\"s3:TestEvent\",\"Time\":\"2024-01-01T00:00:00.000Z\","
                + "\"Bucket\":\"raw\",\"RequestId\":\"R\",\"HostId\":\"H\"}";
        assertEquals(List.of(), notifications.parse(body));
    }

    @Test
    void refusesWhatIsNotANotification() {
        assertSays("not an S3 notification (not JSON)", "ObjectCreated raw/x.jsonl.gz");
        assertSays("not an S3 notification: no Records array", "{\"Event\":\"ObjectCreated\"}");
        assertSays("not an S3 notification: no Records array", "{}");
        assertSays("not an S3 notification: no Records array", "{\"Records\":{\"s3\":{}}}");
        assertSays("without bucket or key", "{\"Records\":[{\"s3\":{\"object\":{\"key\":\"raw/a.jsonl.gz\"}}}]}");
        assertSays("without bucket or key", "{\"Records\":[{\"s3\":{\"bucket\":{\"name\":\"raw\"},\"object\":{}}}]}");
        assertSays("without bucket or key", "{\"Records\":[{}]}");
    }

    private void assertSays(String expected, String body) {
        var e = assertThrows(BadRequestException.class, () -> notifications.parse(body), body);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
