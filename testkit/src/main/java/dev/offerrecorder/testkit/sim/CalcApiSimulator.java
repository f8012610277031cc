package dev.offerrecorder.testkit.sim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.offerrecorder.shared.trace.TraceHeaders;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * A stand-in for the team's Python calculation API on loopback, deterministic so every recorded value can be
 * checked: {@code GET /v1/shops/{shopId}/offer?date=YYYY-MM-DD}. It behaves like a server with W workers: at
 * most W requests served at once, each taking the configured latency (with jitter), and a bounded wait queue of
 * {@code queueLimit} beyond that. What happens past W + queue is the {@link Overload} mode:
 *
 * <ul>
 *   <li>{@link Overload#FAST_503} (the 4-argument constructor): the extra request is answered 503 with {@code
 *       Retry-After: 1} at once, and nobody else notices.
 *   <li>{@link Overload#DEGRADE} (an overloaded gunicorn-like server): the extra request is accepted into the
 *       socket backlog and waits for a worker like the rest. While {@code overflow = admitted - (W + queue)} is
 *       above 0, every call in service works slower: each millisecond of its service time (latency, jitter, extra
 *       latency) takes {@code 1 + overflow / W} ms of wall time, re-evaluated whenever the overflow changes, so a
 *       call slows down and speeds up again during its service. When the overflow reaches {@code collapseOverflow}
 *       (default W, i.e. {@code admitted >= 2W + queue}) the API falls over for {@code collapseMs} (default
 *       {@value #DEFAULT_COLLAPSE_MS} ms): no request gets any answer, not even headers (the ones in service, the
 *       queued and backlogged ones, and the new ones arriving meanwhile all hang). When the period ends, every
 *       hanging request is answered 503 with {@code Retry-After: 1} (or finds its connection closed by a client
 *       that timed out first: the production cost), the backlog is gone and the API serves normally again. Within
 *       W + queue it behaves exactly like FAST_503.
 * </ul>
 *
 * {@link Stats#rejected()} counts the 503s answered for overload in either mode (so a client that never
 * overshoots sees 0); {@link #overloadCounts()} tells how often DEGRADE slowed calls and collapsed. Faults
 * ({@link SimulatorFaults}) can be switched on while it runs, in either mode.
 */
public final class CalcApiSimulator implements AutoCloseable {
    private static final Pattern PATH = Pattern.compile("^/v1/shops/([^/]+)/offer$");
    public static final Set<String> TRACE_HEADERS = Set.of("traceparent", "tracestate", "newrelic");
    /**
     * The garbage 200 answers {@link SimulatorFaults#garbageRate()} serves, in turn: what a proxy or a crashing
     * server puts on the wire. None is a JSON object, so each is a GARBAGE recording, never an offer.
     */
    public static final List<String> GARBAGE_BODIES = List.of(
            "<html><body>502 Bad Gateway</body></html>",
            "{\"shop_id\":\"truncated\",\"offer_amou",
            "",
            "[\"not\",\"an\",\"object\"]",
            "Internal Server Error",
            "null");
    /** Request targets kept for {@link #recentRequestTargets()}. */
    static final int RECENT_TARGETS = 1000;
    /** How long a {@link Overload#DEGRADE} simulator stays down when it collapses, unless told otherwise. */
    public static final long DEFAULT_COLLAPSE_MS = 3000;

    /** What the simulator does with requests beyond W + queue (see the class comment). */
    public enum Overload {
        /** 503 with {@code Retry-After: 1} at once; the others are served as if nothing happened. */
        FAST_503,
        /** Accepted into a backlog; every call slows down; past the collapse point nobody gets an answer. */
        DEGRADE
    }

    private final HttpServer server;
    private final int workers;
    private final int queueLimit;
    private final Semaphore slots;
    private final AtomicInteger admitted = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger peakActive = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong injectedErrors = new AtomicLong();
    private final AtomicLong withTraceHeaders = new AtomicLong();
    private final AtomicLong withAuthorization = new AtomicLong();
    private final Map<String, AtomicLong> callsPerTraceId = new ConcurrentHashMap<>();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong garbageServed = new AtomicLong();
    private final AtomicLong cannedServed = new AtomicLong();
    private final Set<String> answeredGarbage = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<String> recentTargets = new ArrayDeque<>();
    private volatile String expectedAuthorization;
    /** Bearer tokens accepted; null: no token required (the default). */
    private volatile Set<String> acceptedTokens;

    private final AtomicLong unauthorized = new AtomicLong();
    private final Map<String, AtomicLong> callsPerJob = new ConcurrentHashMap<>();
    private final long latencyMs;
    private final long jitterMs;
    private volatile SimulatorFaults faults = SimulatorFaults.none();
    private final CountDownLatch closing = new CountDownLatch(1);
    private final AtomicLong stalled = new AtomicLong();
    /** System.nanoTime() of the first request and of the last answer; 0 before any. */
    private final AtomicLong firstRequestNanos = new AtomicLong();

    private final AtomicLong lastAnswerNanos = new AtomicLong();
    private final AtomicLong served = new AtomicLong();

    private final Overload overload;
    private final int collapseOverflow;
    private final long collapseMs;
    // DEGRADE's state, all guarded by overloadLock; overloadChanged is signalled when the overflow changes, a
    // collapse starts or ends, or the simulator closes.
    private final ReentrantLock overloadLock = new ReentrantLock();
    private final Condition overloadChanged = overloadLock.newCondition();
    /** Requests admitted since the last collapse and not answered yet: in service, queued or in the backlog. */
    private int present;
    /** Bumped by each collapse: requests admitted in an older generation are dropped (hang, then 503). */
    private long generation;

    private long collapseStartNanos;
    private long collapseEndNanos;
    private boolean collapsed;
    private boolean closed;
    private long collapses;
    private long collapsedNanos;
    private final AtomicLong degraded = new AtomicLong();
    private final AtomicLong hung = new AtomicLong();

    public record Stats(
            long requests, int peakConcurrency, long rejected, long injectedErrors, long withTraceHeaders) {}

    /**
     * What the fault settings did so far: 500s (errors, failing shops, outage), 429s, garbage 200s (garbage shops
     * and the garbage rate) and canned replies served.
     */
    public record FaultCounts(long errors, long throttled, long garbage, long canned) {}

    /**
     * What {@link Overload#DEGRADE} did so far: calls served slower because of overflow, collapses, the time spent
     * collapsed (ms, including a collapse still under way) and requests that hung through a collapse and were then
     * answered 503 (also in {@link Stats#rejected()}). All 0 in FAST_503 mode.
     */
    public record OverloadCounts(long degraded, long collapses, long collapsedMs, long hung) {}

    /** A {@link Overload#FAST_503} simulator: 503 at once beyond W + queue. */
    public CalcApiSimulator(int workers, int queueLimit, long latencyMs, long jitterMs) throws IOException {
        this(workers, queueLimit, latencyMs, jitterMs, Overload.FAST_503);
    }

    /** A simulator in the given mode; DEGRADE collapses at W requests beyond W + queue, for 3 s. */
    public CalcApiSimulator(int workers, int queueLimit, long latencyMs, long jitterMs, Overload overload)
            throws IOException {
        this(workers, queueLimit, latencyMs, jitterMs, overload, workers, DEFAULT_COLLAPSE_MS);
    }

    /**
     * A simulator in the given mode; in DEGRADE it collapses when {@code collapseOverflow} requests wait beyond
     * W + queue, and stays down {@code collapseMs}.
     */
    public CalcApiSimulator(
            int workers,
            int queueLimit,
            long latencyMs,
            long jitterMs,
            Overload overload,
            int collapseOverflow,
            long collapseMs)
            throws IOException {
        if (workers < 1 || queueLimit < 0 || latencyMs < 0 || jitterMs < 0) {
            throw new IllegalArgumentException("workers >= 1, queue >= 0, latency and jitter >= 0");
        }
        if (overload == null || collapseOverflow < 1 || collapseMs < 0) {
            throw new IllegalArgumentException("an overload mode, collapse overflow >= 1 and collapse ms >= 0");
        }
        this.overload = overload;
        this.collapseOverflow = collapseOverflow;
        this.collapseMs = collapseMs;
        this.workers = workers;
        this.queueLimit = queueLimit;
        this.slots = new Semaphore(workers, true);
        this.latencyMs = latencyMs;
        this.jitterMs = jitterMs;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The worker's URL template for this simulator. */
    public String urlTemplate() {
        return baseUri() + "/v1/shops/{shopId}/offer?date={date}";
    }

    /** Requests per second the simulator can serve at most: W / L. */
    public double ceilingPerSecond() {
        return latencyMs == 0 ? Double.POSITIVE_INFINITY : workers * 1000.0 / latencyMs;
    }

    public Overload overload() {
        return overload;
    }

    public void setFaults(SimulatorFaults faults) {
        this.faults = faults;
    }

    /** Counts requests carrying exactly this Authorization header (see {@link #requestsWithAuthorization()}). */
    public void expectAuthorization(String headerValue) {
        this.expectedAuthorization = headerValue;
    }

    /**
     * Calls per trace ID read from the {@code traceparent} header, as the API's agent would join them; calls
     * without a readable one count under "".
     */
    public Map<String, Long> callsPerTraceId() {
        Map<String, Long> out = new TreeMap<>();
        callsPerTraceId.forEach((id, n) -> out.put(id, n.get()));
        return out;
    }

    /**
     * From now on every request must carry {@code Authorization: Bearer <token>}; others get 401 before any work
     * is done, as an API gateway would answer them.
     */
    public void requireToken(String token) {
        this.acceptedTokens = Set.of(token);
    }

    /** A rotation: only {@code newToken} is accepted from now on; the old one gets 401. */
    public void rotateToken(String newToken) {
        requireToken(newToken);
    }

    /** A revocation: every request gets 401 until {@link #requireToken} names a token again. */
    public void revokeTokens() {
        this.acceptedTokens = Set.of();
    }

    /** Requests answered 401 for a missing, old or revoked token. */
    public long unauthorizedAnswers() {
        return unauthorized.get();
    }

    public long requestsWithAuthorization() {
        return withAuthorization.get();
    }

    public Stats stats() {
        return new Stats(
                requests.get(), peakActive.get(), rejected.get(), injectedErrors.get(), withTraceHeaders.get());
    }

    /**
     * Calls a worker of the API finished so far (any status; not the 503s turned away at the door, nor the 401,
     * 400 and 422 answered before): the API's throughput counted where it is done, not where calls arrive.
     */
    public long served() {
        return served.get();
    }

    /** Seconds from the first request to the last answer (0 before any): how long the API was busy. */
    public double busySeconds() {
        long first = firstRequestNanos.get();
        return first == 0 ? 0 : Math.max(0, lastAnswerNanos.get() - first) / 1e9;
    }

    public FaultCounts faultCounts() {
        long throttles = throttled.get();
        return new FaultCounts(injectedErrors.get() - throttles, throttles, garbageServed.get(), cannedServed.get());
    }

    public OverloadCounts overloadCounts() {
        overloadLock.lock();
        try {
            long now = System.nanoTime();
            long ongoing = collapsed ? Math.min(now, collapseEndNanos) - collapseStartNanos : 0;
            return new OverloadCounts(
                    degraded.get(), collapses, TimeUnit.NANOSECONDS.toMillis(collapsedNanos + ongoing), hung.get());
        } finally {
            overloadLock.unlock();
        }
    }

    /** Whether the simulator ever answered this (shop, date) with a garbage 200. */
    public boolean answeredGarbage(String shopId, LocalDate date) {
        return answeredGarbage.contains(shopId + "|" + date);
    }

    /** The raw request targets (path and query, as sent) of the last {@value #RECENT_TARGETS} requests. */
    public List<String> recentRequestTargets() {
        synchronized (recentTargets) {
            return List.copyOf(recentTargets);
        }
    }

    /** How many times the API was asked for one (shop, date). */
    public long callsFor(String shopId, LocalDate date) {
        AtomicLong n = callsPerJob.get(shopId + "|" + date);
        return n == null ? 0 : n.get();
    }

    /** CRC32 of "shopId|date", unsigned: the seed of every simulated value. */
    public static long hash(String shopId, String date) {
        CRC32 crc = new CRC32();
        crc.update((shopId + "|" + date).getBytes(StandardCharsets.UTF_8));
        return crc.getValue();
    }

    public static boolean isUnknownShop(String shopId) {
        try {
            return Long.parseLong(shopId) % 997 == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    public static long offerAmount(String shopId, String date) {
        return (hash(shopId, date) % 5000) * 1000;
    }

    public static boolean eligible(String shopId, String date) {
        return hash(shopId, date) % 10 != 0;
    }

    public static double anomalyScore(String shopId, String date) {
        return (hash(shopId, date) % 10000) / 10000.0;
    }

    public static String body(String shopId, String date) {
        return "{\"shop_id\":\"" + shopId + "\",\"date\":\"" + date + "\",\"offer_amount\":"
                + offerAmount(shopId, date) + ",\"currency\":\"JPY\",\"eligible\":" + eligible(shopId, date)
                + ",\"anomaly_score\":" + anomalyScore(shopId, date) + ",\"model_version\":\"sim-1\""
                + ",\"calculated_at\":\"" + date + "T12:00:00Z\"}";
    }

    private void handle(HttpExchange exchange) throws IOException {
        firstRequestNanos.compareAndSet(0, System.nanoTime());
        try {
            answer(exchange);
        } finally {
            markAnswer();
        }
    }

    private void markAnswer() {
        lastAnswerNanos.accumulateAndGet(System.nanoTime(), Math::max);
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            synchronized (recentTargets) {
                if (recentTargets.size() == RECENT_TARGETS) {
                    recentTargets.removeFirst();
                }
                recentTargets.addLast(exchange.getRequestURI().getRawPath()
                        + (exchange.getRequestURI().getRawQuery() == null
                                ? ""
                                : "?" + exchange.getRequestURI().getRawQuery()));
            }
            if (TRACE_HEADERS.stream()
                    .anyMatch(h -> exchange.getRequestHeaders().containsKey(h))) {
                withTraceHeaders.incrementAndGet();
            }
            String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
            String traceId = traceparent == null
                    ? ""
                    : TraceHeaders.traceId(Map.of("traceparent", traceparent)).orElse("");
            callsPerTraceId.computeIfAbsent(traceId, k -> new AtomicLong()).incrementAndGet();
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth != null && auth.equals(expectedAuthorization)) {
                withAuthorization.incrementAndGet();
            }
            Set<String> accepted = acceptedTokens;
            if (accepted != null
                    && (auth == null || !auth.startsWith("Bearer ") || !accepted.contains(auth.substring(7)))) {
                unauthorized.incrementAndGet();
                respond(
                        exchange,
                        401,
                        "{\"error\":\"unauthorized\"}",
                        Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\""));
                return;
            }
            Matcher m = PATH.matcher(exchange.getRequestURI().getPath());
            String date = query(exchange.getRequestURI(), "date");
            if (!"GET".equals(exchange.getRequestMethod()) || !m.matches() || date == null) {
                respond(exchange, 400, "{\"error\":\"bad request\"}", Map.of());
                return;
            }
            String shopId = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
            try {
                LocalDate.parse(date);
            } catch (RuntimeException e) {
                respond(exchange, 422, "{\"error\":\"bad date\"}", Map.of());
                return;
            }
            if (overload == Overload.DEGRADE) {
                handleDegrading(exchange, shopId, date);
                return;
            }
            if (admitted.incrementAndGet() > workers + queueLimit) {
                admitted.decrementAndGet();
                rejected.incrementAndGet();
                respond(exchange, 503, "{\"error\":\"overloaded\"}", Map.of("Retry-After", "1"));
                return;
            }
            Reply reply;
            try {
                slots.acquireUninterruptibly();
                try {
                    int now = active.incrementAndGet();
                    peakActive.accumulateAndGet(now, Math::max);
                    SimulatorFaults f = faults;
                    callsPerJob
                            .computeIfAbsent(shopId + "|" + date, k -> new AtomicLong())
                            .incrementAndGet();
                    try {
                        Thread.sleep(serviceMs(f));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    reply = reply(shopId, date, f);
                    served.incrementAndGet();
                } finally {
                    active.decrementAndGet();
                    slots.release();
                }
            } finally {
                // The worker is free once its answer is computed: release before writing, so a client that sends
                // its next request the moment it reads this reply never finds the slot still counted.
                admitted.decrementAndGet();
            }
            send(exchange, reply);
        }
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        if (reply.stallMs() > 0) {
            respondStalled(exchange, reply);
        } else {
            respond(exchange, reply.status(), reply.body(), reply.headers());
        }
    }

    /** {@link Overload#DEGRADE}: admit into the backlog, serve slowed by the overflow, or hang through a collapse. */
    private void handleDegrading(HttpExchange exchange, String shopId, String date) throws IOException {
        long admittedIn = admitDegrading();
        if (admittedIn < 0) {
            hangThen503(exchange);
            return;
        }
        Reply reply = null;
        slots.acquireUninterruptibly();
        try {
            int now = active.incrementAndGet();
            peakActive.accumulateAndGet(now, Math::max);
            if (current(admittedIn)) {
                SimulatorFaults f = faults;
                callsPerJob
                        .computeIfAbsent(shopId + "|" + date, k -> new AtomicLong())
                        .incrementAndGet();
                if (work(serviceMs(f), admittedIn)) {
                    reply = reply(shopId, date, f);
                    served.incrementAndGet();
                }
            }
        } finally {
            active.decrementAndGet();
            slots.release();
            leave(admittedIn);
        }
        if (reply == null) {
            // Dropped by a collapse while queued or in service: hang with everyone else until it ends.
            hangThen503(exchange);
        } else {
            send(exchange, reply);
        }
    }

    private int overflow() {
        return Math.max(0, present - workers - queueLimit);
    }

    /** The generation the request joins, or -1 if the API is down (or just fell over under this request). */
    private long admitDegrading() {
        overloadLock.lock();
        try {
            endCollapseIfDue();
            if (collapsed) {
                return -1;
            }
            present++;
            if (overflow() >= collapseOverflow) {
                collapsed = true;
                collapses++;
                generation++;
                present = 0;
                collapseStartNanos = System.nanoTime();
                collapseEndNanos = collapseStartNanos + TimeUnit.MILLISECONDS.toNanos(collapseMs);
                overloadChanged.signalAll();
                return -1;
            }
            if (overflow() > 0) {
                overloadChanged.signalAll();
            }
            return generation;
        } finally {
            overloadLock.unlock();
        }
    }

    private boolean current(long admittedIn) {
        overloadLock.lock();
        try {
            return admittedIn == generation && !closed;
        } finally {
            overloadLock.unlock();
        }
    }

    /** The request is answered or dropped: it leaves its generation's count (a collapse already emptied older ones). */
    private void leave(long admittedIn) {
        overloadLock.lock();
        try {
            if (admittedIn == generation) {
                boolean wasOver = overflow() > 0;
                present--;
                if (wasOver) {
                    overloadChanged.signalAll();
                }
            }
        } finally {
            overloadLock.unlock();
        }
    }

    /**
     * Spends {@code serviceMs} of work, each ms taking {@code 1 + overflow / W} ms of wall time as the overflow
     * stands at that moment. False if a collapse (or close) dropped the request meanwhile.
     */
    private boolean work(long serviceMs, long admittedIn) {
        long remaining = TimeUnit.MILLISECONDS.toNanos(serviceMs);
        boolean slowed = false;
        overloadLock.lock();
        try {
            while (remaining > 0) {
                if (admittedIn != generation || closed) {
                    return false;
                }
                double factor = 1 + (double) overflow() / workers;
                slowed |= factor > 1;
                long started = System.nanoTime();
                try {
                    overloadChanged.awaitNanos((long) Math.ceil(remaining * factor));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                remaining -= (long) ((System.nanoTime() - started) / factor);
            }
            return admittedIn == generation && !closed;
        } finally {
            overloadLock.unlock();
            if (slowed) {
                degraded.incrementAndGet();
            }
        }
    }

    private void endCollapseIfDue() {
        if (collapsed && System.nanoTime() - collapseEndNanos >= 0) {
            collapsed = false;
            collapsedNanos += collapseEndNanos - collapseStartNanos;
            overloadChanged.signalAll();
        }
    }

    /** No answer at all until the collapse is over, then 503 + Retry-After (if the client still listens). */
    private void hangThen503(HttpExchange exchange) throws IOException {
        overloadLock.lock();
        try {
            endCollapseIfDue();
            while (collapsed && !closed) {
                overloadChanged.awaitNanos(collapseEndNanos - System.nanoTime());
                endCollapseIfDue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            overloadLock.unlock();
        }
        hung.incrementAndGet();
        rejected.incrementAndGet();
        respond(exchange, 503, "{\"error\":\"overloaded\"}", Map.of("Retry-After", "1"));
    }

    private record Reply(int status, String body, Map<String, String> headers, long stallMs) {
        Reply(int status, String body, Map<String, String> headers) {
            this(status, body, headers, 0);
        }
    }

    /** Answers that stalled mid-body so far ({@link SimulatorFaults#withStalledBodies}). */
    public long stalledBodies() {
        return stalled.get();
    }

    /** Status, headers and half the body at once; the rest after the stall, if the client still listens. */
    private void respondStalled(HttpExchange exchange, Reply reply) throws IOException {
        stalled.incrementAndGet();
        markAnswer();
        byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        OutputStream out = exchange.getResponseBody();
        out.write(bytes, 0, bytes.length / 2);
        out.flush();
        try {
            closing.await(reply.stallMs(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (out) {
            out.write(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        }
    }

    /** One call's service time: latency, jitter and the faults' extra latency. */
    private long serviceMs(SimulatorFaults f) {
        long ms = latencyMs + (jitterMs == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitterMs, jitterMs + 1));
        return Math.max(0, ms + f.extraLatencyMs());
    }

    /** The answer once the call's service time is spent. */
    private Reply reply(String shopId, String date, SimulatorFaults f) {
        if (f.outage()) {
            injectedErrors.incrementAndGet();
            return new Reply(500, "{\"error\":\"internal\"}", Map.of());
        }
        CannedReply canned = f.cannedReplies().get(shopId);
        if (canned != null) {
            cannedServed.incrementAndGet();
            return new Reply(canned.status(), canned.body(), canned.headers());
        }
        if (f.stalledShops().contains(shopId)) {
            return new Reply(200, body(shopId, date), Map.of(), Math.max(1, f.stallMs()));
        }
        if (f.failingShops().contains(shopId)
                || (f.errorRate() > 0 && ThreadLocalRandom.current().nextDouble() < f.errorRate())) {
            injectedErrors.incrementAndGet();
            return new Reply(500, "{\"error\":\"internal\"}", Map.of());
        }
        if (f.throttleRate() > 0 && ThreadLocalRandom.current().nextDouble() < f.throttleRate()) {
            injectedErrors.incrementAndGet();
            throttled.incrementAndGet();
            return new Reply(429, "{\"error\":\"slow down\"}", Map.of("Retry-After", "1"));
        }
        if (f.garbageShops().contains(shopId)) {
            return garbage(shopId, date, "<html><body>502 Bad Gateway</body></html>");
        }
        if (isUnknownShop(shopId)) {
            return new Reply(404, "{\"error\":\"unknown shop\",\"shop_id\":\"" + shopId + "\"}", Map.of());
        }
        if (f.garbageRate() > 0 && ThreadLocalRandom.current().nextDouble() < f.garbageRate()) {
            long n = garbageServed.get();
            return garbage(shopId, date, GARBAGE_BODIES.get((int) (n % GARBAGE_BODIES.size())));
        }
        return new Reply(200, body(shopId, date), Map.of());
    }

    private Reply garbage(String shopId, String date, String body) {
        garbageServed.incrementAndGet();
        answeredGarbage.add(shopId + "|" + date);
        return new Reply(200, body, Map.of());
    }

    private void respond(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        // The answer's time, taken before its bytes leave: a client that reads busySeconds() right after its
        // response must see it (handle()'s finally ran after the client could already have read the answer).
        markAnswer();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", body.startsWith("<") ? "text/html" : "application/json");
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        // -1: no body at all (a 0 here would mean chunked, and 204/304 must not carry one).
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String query(URI uri, String name) {
        String q = uri.getRawQuery();
        if (q == null) {
            return null;
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).equals(name)) {
                return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Override
    public void close() {
        closing.countDown();
        overloadLock.lock();
        try {
            closed = true;
            overloadChanged.signalAll();
        } finally {
            overloadLock.unlock();
        }
        server.stop(0);
    }
}
