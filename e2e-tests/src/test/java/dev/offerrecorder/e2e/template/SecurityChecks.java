package dev.offerrecorder.e2e.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Least privilege, encryption, TLS, no public buckets, secrets by reference only, New Relic off by default. */
final class SecurityChecks {
    /**
     * "RoleLogicalId action" pairs allowed to use Resource "*", each because AWS offers no narrower resource for
     * that action (the template must say why in a comment next to the statement). Empty: every statement of
     * this template names its resources.
     */
    static final Set<String> WILDCARD_RESOURCE_ALLOWED = Set.of();

    static final String NEW_RELIC_WRAPPER = "/opt/newrelic-java-handler";
    static final String NEW_RELIC_LAYER_ACCOUNT = "451483290750";
    /** What `newrelic-lambda integrations install --enable-license-key-secret` exports its secret's ARN as. */
    static final String NEW_RELIC_INTEGRATION_SECRET_EXPORT = "NewRelic-LicenseKeySecretARN";

    private static final Set<String> SSE_ALGORITHMS = Set.of("AES256", "aws:kms", "aws:kms:dsse");
    private static final Pattern SECRET_PARAMETER =
            Pattern.compile("(?i).*(token|password|secret|licensekey|apikey|credential).*");
    private static final Pattern SECRET_VARIABLE =
            Pattern.compile("(?i).*(TOKEN|PASSWORD|SECRET|LICENSE_KEY|API_KEY|CREDENTIAL).*");

    private SecurityChecks() {}

    /** One Allow/Deny statement of an identity policy (role inline policy, IAM policy, SAM inline policy). */
    record Statement(
            String owner, String effect, List<String> actions, List<Object> resources, Map<String, Object> raw) {}

    /** Every identity-policy statement in the template, with both branches of any Fn::If. */
    static List<Statement> identityStatements(CfnTemplate t) {
        List<Statement> out = new ArrayList<>();
        for (String id : t.resources().keySet()) {
            Map<String, Object> props = t.properties(id);
            List<Object> documents = new ArrayList<>();
            switch (t.type(id)) {
                case "AWS::IAM::Role" ->
                    Cfn.list(props.get("Policies")).forEach(p -> Cfn.alternatives(p)
                            .forEach(a -> documents.add(Cfn.map(a).get("PolicyDocument"))));
                case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" -> documents.add(props.get("PolicyDocument"));
                case CfnTemplate.FUNCTION ->
                    Cfn.list(props.get("Policies")).forEach(p -> Cfn.alternatives(p).stream()
                            .filter(a -> Cfn.map(a).containsKey("Statement"))
                            .forEach(documents::add));
                default -> {}
            }
            for (Object document : documents) {
                for (Map<String, Object> s : WiringChecks.statements(document)) {
                    List<String> actions = Cfn.list(s.get("Action")).stream()
                            .map(String::valueOf)
                            .toList();
                    List<Object> resources = new ArrayList<>();
                    Cfn.list(s.get("Resource")).forEach(r -> resources.addAll(Cfn.alternatives(r)));
                    out.add(new Statement(id, String.valueOf(s.get("Effect")), actions, resources, s));
                }
            }
        }
        return out;
    }

    /** 4a. Every Allow names its actions and resources; "*" only for allow-listed (role, action) pairs. */
    static List<String> iamScope(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String id : t.resources().keySet()) {
            Map<String, Object> props = t.properties(id);
            if (!Cfn.list(props.get("ManagedPolicyArns")).isEmpty()) {
                v.add(id + ": ManagedPolicyArns grant permissions this check cannot see; use inline statements");
            }
            if (CfnTemplate.FUNCTION.equals(t.type(id))) {
                for (Object policy : Cfn.list(props.get("Policies"))) {
                    for (Object a : Cfn.alternatives(policy)) {
                        if (!Cfn.map(a).containsKey("Statement")) {
                            v.add(id + ": Policies entry " + a
                                    + " is a managed policy or SAM policy template; use Statement lists");
                        }
                    }
                }
                if (props.get("Role") == null && t.events(id, "SQS").size() > 0) {
                    v.add(id + ": without its own Role, SAM attaches AWSLambdaSQSQueueExecutionRole (every queue)");
                }
            }
        }
        for (Statement s : identityStatements(t)) {
            String sid = s.owner() + " statement " + s.raw().getOrDefault("Sid", s.actions());
            if (s.raw().containsKey("NotAction") || s.raw().containsKey("NotResource")) {
                v.add(sid + ": NotAction/NotResource grant everything else; name what is allowed");
            }
            if (!"Allow".equals(s.effect())) {
                continue;
            }
            for (String action : s.actions()) {
                if (action.equals("*") || action.endsWith(":*")) {
                    v.add(sid + ": action " + action + " allows a whole service; name the actions");
                }
            }
            if (s.resources().isEmpty()) {
                v.add(sid + ": has no Resource");
            }
            for (Object resource : s.resources()) {
                if ("*".equals(resource)) {
                    for (String action : s.actions()) {
                        if (!WILDCARD_RESOURCE_ALLOWED.contains(s.owner() + " " + action)) {
                            v.add(sid + ": " + action
                                    + " on Resource \"*\"; scope it, or allow-list the pair with the reason");
                        }
                    }
                    continue;
                }
                Optional<String> text = Cfn.stringOrSub(resource);
                if (text.isPresent()) {
                    String beforePath = text.get().split("/", 2)[0];
                    if (beforePath.contains("*")) {
                        v.add(sid + ": resource " + text.get() + " has a wildcard outside the object path");
                    }
                }
            }
        }
        return v;
    }

    /** 4b. Buckets: no public access, default encryption, ACLs off, TLS-only policy; platform versioned; raw lifecycle. */
    static List<String> buckets(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String required : List.of("RawBucket", "PlatformBucket")) {
            if (!t.hasResource(required) || !"AWS::S3::Bucket".equals(t.type(required))) {
                v.add("the template needs the S3 bucket " + required);
            }
        }
        for (String bucket : t.idsOfType("AWS::S3::Bucket")) {
            Map<String, Object> props = t.properties(bucket);
            Map<String, Object> block = Cfn.map(props.get("PublicAccessBlockConfiguration"));
            for (String flag :
                    List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
                if (!isTrue(block.get(flag))) {
                    v.add(bucket + ": PublicAccessBlockConfiguration." + flag + " must be true, got "
                            + block.get(flag));
                }
            }
            List<Object> sse =
                    Cfn.list(Cfn.map(props.get("BucketEncryption")).get("ServerSideEncryptionConfiguration"));
            boolean encrypted = !sse.isEmpty()
                    && sse.stream()
                            .allMatch(rule -> SSE_ALGORITHMS.contains(
                                    Cfn.map(Cfn.map(rule).get("ServerSideEncryptionByDefault"))
                                            .get("SSEAlgorithm")));
            if (!encrypted) {
                v.add(bucket + ": needs BucketEncryption with SSEAlgorithm one of " + SSE_ALGORITHMS);
            }
            boolean aclsOff = Cfn.list(Cfn.map(props.get("OwnershipControls")).get("Rules")).stream()
                    .anyMatch(r -> "BucketOwnerEnforced".equals(Cfn.map(r).get("ObjectOwnership")));
            if (!aclsOff) {
                v.add(bucket + ": OwnershipControls must be BucketOwnerEnforced (ACLs disabled)");
            }
            List<Map<String, Object>> statements = t.idsOfType("AWS::S3::BucketPolicy").stream()
                    .filter(p -> Cfn.isRef(t.properties(p).get("Bucket"), bucket))
                    .flatMap(p -> WiringChecks.statements(t.properties(p).get("PolicyDocument")).stream())
                    .toList();
            boolean tlsOnly = statements.stream()
                    .anyMatch(s -> "Deny".equals(s.get("Effect"))
                            && isEveryone(s.get("Principal"))
                            && Cfn.list(s.get("Action")).contains("s3:*")
                            && isFalse(Cfn.map(Cfn.map(s.get("Condition")).get("Bool"))
                                    .get("aws:SecureTransport"))
                            && Cfn.list(s.get("Resource")).stream().anyMatch(r -> Cfn.isGetAtt(r, bucket, "Arn"))
                            && Cfn.list(s.get("Resource")).stream().anyMatch(r -> Cfn.subTemplate(r)
                                    .filter(("${" + bucket + ".Arn}/*")::equals)
                                    .isPresent()));
            if (!tlsOnly) {
                v.add(bucket + ": needs a bucket policy denying s3:* to everyone on the bucket and its objects when "
                        + "aws:SecureTransport is false");
            }
            statements.stream()
                    .filter(s -> "Allow".equals(s.get("Effect")) && isEveryone(s.get("Principal")))
                    .forEach(s -> v.add(bucket + ": bucket policy allows everyone: " + s));
        }
        if (t.hasResource("PlatformBucket")) {
            Object status = Cfn.map(t.properties("PlatformBucket").get("VersioningConfiguration"))
                    .get("Status");
            if (!"Enabled".equals(status)) {
                v.add("PlatformBucket: VersioningConfiguration.Status must be Enabled, got " + status);
            }
        }
        if (t.hasResource("RawBucket")) {
            List<Map<String, Object>> rules =
                    Cfn.list(Cfn.map(t.properties("RawBucket").get("LifecycleConfiguration"))
                                    .get("Rules"))
                            .stream()
                            .map(Cfn::map)
                            .filter(r -> "Enabled".equals(r.get("Status")))
                            .toList();
            if (rules.stream().noneMatch(r -> r.containsKey("AbortIncompleteMultipartUpload"))) {
                v.add("RawBucket: needs an enabled lifecycle rule with AbortIncompleteMultipartUpload");
            }
            boolean ages = rules.stream()
                    .anyMatch(r -> "raw/".equals(r.get("Prefix"))
                            && (r.containsKey("ExpirationInDays") || r.containsKey("Transitions")));
            if (!ages) {
                v.add("RawBucket: needs an enabled lifecycle rule on prefix raw/ that expires or transitions raw logs");
            }
        }
        return v;
    }

    /** 4c. Every queue is encrypted at rest. */
    static List<String> queues(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        for (String queue : t.idsOfType("AWS::SQS::Queue")) {
            Map<String, Object> props = t.properties(queue);
            if (!isTrue(props.get("SqsManagedSseEnabled")) && props.get("KmsMasterKeyId") == null) {
                v.add(queue + ": needs SqsManagedSseEnabled: true or a KmsMasterKeyId");
            }
        }
        return v;
    }

    /** 4d. The API token (and any secret) only by reference: secret ARN / parameter name, never a value. */
    static List<String> secrets(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        t.parameters().forEach((name, spec) -> {
            Map<String, Object> p = Cfn.map(spec);
            if (isTrue(p.get("NoEcho"))) {
                v.add("parameter " + name
                        + " is NoEcho: secret values must live in Secrets Manager or SSM, not parameters");
            }
            if (SECRET_PARAMETER.matcher(name).matches()) {
                if (!name.endsWith("Arn") && !name.endsWith("ParameterName")) {
                    v.add("parameter " + name
                            + " looks like a secret value; pass a secret ARN or parameter name instead");
                }
                Object def = p.get("Default");
                if (def != null && !"".equals(def)) {
                    v.add("parameter " + name + " has a non-empty default " + def);
                }
            }
        });
        List<Map<String, Object>> environments = new ArrayList<>();
        environments.add(Cfn.map(Cfn.map(t.globalFunction().get("Environment")).get("Variables")));
        t.functions().forEach(f -> environments.add(t.ownEnvironment(f)));
        for (Map<String, Object> env : environments) {
            env.forEach((name, value) -> {
                if (SECRET_VARIABLE.matcher(name).matches() && !name.matches(".*_(SECRET|PARAMETER)(_ARN|_NAME)?")) {
                    v.add("environment variable " + name
                            + " looks like a secret value; name a secret (_SECRET) or parameter (_PARAMETER)");
                }
                for (Object alternative : Cfn.alternatives(value)) {
                    Cfn.stringOrSub(alternative)
                            .filter(s -> s.contains("{{resolve:"))
                            .ifPresent(s -> v.add("environment variable " + name
                                    + " resolves a dynamic reference into plain text: " + s));
                }
            });
        }
        if (t.hasResource("WorkerFunction")) {
            Object secret = t.environment("WorkerFunction").get("CALC_API_TOKEN_SECRET");
            if (secret == null || !Cfn.alternatives(secret).stream().allMatch(a -> Cfn.isRef(a, "ApiTokenSecretArn"))) {
                v.add("WorkerFunction: CALC_API_TOKEN_SECRET must come from !Ref ApiTokenSecretArn (optional), got "
                        + secret);
            }
        }
        for (SecurityChecks.Statement s : identityStatements(t)) {
            if (s.actions().contains("secretsmanager:GetSecretValue")) {
                for (Object r : s.resources()) {
                    // A secret named by a parameter, or the one New Relic's integration installs (its export).
                    boolean exact = Cfn.ref(r)
                                    .filter(p -> p.endsWith("SecretArn")
                                            && t.parameters().containsKey(p))
                                    .isPresent()
                            || Cfn.intrinsic(r, "Fn::ImportValue")
                                    .filter(NEW_RELIC_INTEGRATION_SECRET_EXPORT::equals)
                                    .isPresent();
                    if (!exact) {
                        v.add(s.owner()
                                + ": secretsmanager:GetSecretValue must name exactly one secret (!Ref ...SecretArn), got "
                                + r);
                    }
                }
            }
        }
        return v;
    }

    /** Test values that switch New Relic on. */
    static final Map<String, String> NEW_RELIC_ON = Map.of(
            "NewRelicAccountId", "1234567",
            "NewRelicLicenseKeySecretArn", "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:nr-AbCdEf",
            "NewRelicLayerVersion", "12");

    /** 4e. New Relic is fully off with the parameter defaults, and fully wired when its parameters are given. */
    static List<String> newRelic(CfnTemplate t) {
        List<String> v = new ArrayList<>();
        Map<String, Boolean> off = Cfn.evaluateConditions(t, Map.of());
        for (String function : t.functions()) {
            for (Object layer : layers(t, function, off)) {
                if (String.valueOf(layer).contains("NewRelic")
                        || String.valueOf(layer).contains(NEW_RELIC_LAYER_ACCOUNT)) {
                    v.add(function + ": New Relic layer present with default parameters: " + layer);
                }
            }
            Map<String, Object> env = Cfn.map(Cfn.resolveIfs(t.environment(function), off));
            env.keySet().stream()
                    .filter(k -> k.startsWith("NEW_RELIC_") || k.equals("AWS_LAMBDA_EXEC_WRAPPER"))
                    .forEach(k -> v.add(function + ": " + k + " is set with default parameters"));
            t.roleOf(function).ifPresent(role -> {
                Object resolved = Cfn.resolveIfs(t.properties(role), off);
                if (String.valueOf(resolved).contains("NewRelicLicenseKeySecretArn")) {
                    v.add(function + ": role " + role + " can read the New Relic secret with default parameters");
                }
            });
        }

        for (String architecture : List.of("arm64", "x86_64")) {
            for (String variant : List.of("slim", "agent")) {
                Map<String, String> params = new LinkedHashMap<>(NEW_RELIC_ON);
                params.put("Architecture", architecture);
                params.put("NewRelicLayerVariant", variant);
                Map<String, Boolean> on = Cfn.evaluateConditions(t, params);
                String expectedLayer = "NewRelicAgentJava" + (architecture.equals("arm64") ? "ARM64" : "")
                        + (variant.equals("slim") ? "-slim" : "") + ":12";
                String when = " (New Relic on, " + architecture + ", " + variant + ")";
                for (String function : t.functions()) {
                    List<String> names = layers(t, function, on).stream()
                            .map(l -> substitute(l, params))
                            .toList();
                    if (names.stream()
                            .noneMatch(n -> n.contains(":" + NEW_RELIC_LAYER_ACCOUNT + ":layer:" + expectedLayer))) {
                        v.add(function + ": expected layer " + NEW_RELIC_LAYER_ACCOUNT + ":layer:" + expectedLayer
                                + when + ", got " + names);
                    }
                    Map<String, Object> env = Cfn.map(Cfn.resolveIfs(t.environment(function), on));
                    if (!NEW_RELIC_WRAPPER.equals(env.get("AWS_LAMBDA_EXEC_WRAPPER"))) {
                        v.add(function + ": AWS_LAMBDA_EXEC_WRAPPER must be " + NEW_RELIC_WRAPPER + when + ", got "
                                + env.get("AWS_LAMBDA_EXEC_WRAPPER"));
                    }
                    if (!Cfn.isRef(env.get("NEW_RELIC_ACCOUNT_ID"), "NewRelicAccountId")
                            || !Cfn.isRef(env.get("NEW_RELIC_LICENSE_KEY_SECRET"), "NewRelicLicenseKeySecretArn")) {
                        v.add(function
                                + ": NEW_RELIC_ACCOUNT_ID / NEW_RELIC_LICENSE_KEY_SECRET must reference their parameters"
                                + when);
                    }
                    Optional<String> role = t.roleOf(function);
                    boolean canRead = role.isPresent()
                            && identityStatements(t).stream()
                                    .filter(s -> s.owner().equals(role.get())
                                            && "Allow".equals(s.effect())
                                            && s.actions().contains("secretsmanager:GetSecretValue"))
                                    .anyMatch(s -> s.resources().stream()
                                            .anyMatch(r -> Cfn.isRef(r, "NewRelicLicenseKeySecretArn")));
                    if (!canRead) {
                        v.add(function
                                + ": its role must allow secretsmanager:GetSecretValue on !Ref NewRelicLicenseKeySecretArn"
                                + when);
                    }
                }
            }
        }
        return v.stream().distinct().toList();
    }

    /** Globals layers then the function's own (SAM concatenates lists), with conditions applied. */
    private static List<Object> layers(CfnTemplate t, String function, Map<String, Boolean> conditions) {
        // Either holder may be a list or an !If choosing a whole list: resolve before concatenating, as SAM does.
        List<Object> all =
                new ArrayList<>(Cfn.list(Cfn.resolveIfs(t.globalFunction().get("Layers"), conditions)));
        all.addAll(Cfn.list(Cfn.resolveIfs(t.properties(function).get("Layers"), conditions)));
        return Cfn.list(Cfn.resolveIfs(all, conditions));
    }

    /** A layer value as text: literal, parameter value, or Sub with its variables and parameters filled in. */
    private static String substitute(Object layer, Map<String, String> params) {
        Optional<String> ref = Cfn.ref(layer);
        if (ref.isPresent()) {
            return params.getOrDefault(ref.get(), "${" + ref.get() + "}");
        }
        Optional<Object> sub = Cfn.intrinsic(layer, "Fn::Sub");
        if (sub.isEmpty()) {
            return String.valueOf(layer);
        }
        List<Object> args = Cfn.list(sub.get());
        Map<String, Object> variables = args.size() > 1 ? Cfn.map(args.get(1)) : Map.of();
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(String.valueOf(args.get(0)));
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            Object value = variables.containsKey(name) ? variables.get(name) : params.get(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value instanceof String s ? s : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean isTrue(Object value) {
        return Boolean.TRUE.equals(value) || "true".equalsIgnoreCase(String.valueOf(value));
    }

    private static boolean isFalse(Object value) {
        return Boolean.FALSE.equals(value) || "false".equalsIgnoreCase(String.valueOf(value));
    }

    private static boolean isEveryone(Object principal) {
        return "*".equals(principal) || "*".equals(Cfn.map(principal).get("AWS"));
    }
}
