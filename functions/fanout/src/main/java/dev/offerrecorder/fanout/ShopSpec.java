package dev.offerrecorder.fanout;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.offerrecorder.shared.request.BadRequestException;
import java.util.List;

/**
 * Where a slice's shops come from, serialisable into a slice message: an explicit list, a numeric range
 * (inclusive), or an S3 manifest pinned to the ETag it was planned from, so a hand-over never reads a manifest
 * that changed underneath it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShopSpec(
        String type, List<String> ids, Long rangeFrom, Long rangeTo, String manifest, String idColumn, String etag) {

    public static ShopSpec list(List<String> ids) {
        return new ShopSpec("list", List.copyOf(ids), null, null, null, null, null);
    }

    public static ShopSpec range(long from, long to) {
        return new ShopSpec("range", null, from, to, null, null, null);
    }

    public static ShopSpec manifest(String uri, String idColumn, String etag) {
        return new ShopSpec("manifest", null, null, null, uri, idColumn, etag);
    }

    void check() {
        boolean ok =
                switch (type == null ? "" : type) {
                    case "list" -> ids != null && !ids.isEmpty();
                    case "range" -> rangeFrom != null && rangeTo != null && rangeFrom >= 0 && rangeTo >= rangeFrom;
                    case "manifest" -> manifest != null && idColumn != null && etag != null;
                    default -> false;
                };
        if (!ok) {
            throw new BadRequestException("slice has an unusable shop source: " + this);
        }
    }
}
