package dev.offerrecorder.testkit.junit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One embedded stack (ElasticMQ + S3Proxy with the template's queues and buckets) per test class: started before
 * the class's {@code @BeforeAll} methods, put into its one {@code static EmbeddedStack} field, and closed, with its
 * data directory deleted, after its {@code @AfterAll} methods.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(EmbeddedStackExtension.class)
public @interface WithEmbeddedStack {
    /** The job queue's maxReceiveCount; 1 parks a failed job in the DLQ at once. 0 keeps the template's. */
    int maxReceiveCount() default 0;
}
