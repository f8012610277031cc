package dev.offerrecorder.fanout;

import dev.offerrecorder.shared.request.BadRequestException;

/** An {@code s3://bucket/key} URI, checked. */
public record S3Location(String bucket, String key) {
    public static S3Location parse(String uri) {
        if (uri == null || !uri.startsWith("s3://")) {
            throw new BadRequestException("manifest '" + uri + "' is not an s3://bucket/key URI");
        }
        String rest = uri.substring(5);
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new BadRequestException("manifest '" + uri + "' is not an s3://bucket/key URI");
        }
        return new S3Location(rest.substring(0, slash), rest.substring(slash + 1));
    }
}
