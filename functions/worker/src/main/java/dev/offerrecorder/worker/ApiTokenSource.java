package dev.offerrecorder.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.offerrecorder.shared.aws.AwsClients;
import dev.offerrecorder.shared.config.ConfigException;
import dev.offerrecorder.shared.config.Env;
import dev.offerrecorder.shared.json.Json;
import java.util.Optional;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;

/**
 * Reads the optional API token once per container: from Secrets Manager ({@code CALC_API_TOKEN_SECRET}, a plain
 * string or JSON with a {@code token} field) or SSM Parameter Store ({@code CALC_API_TOKEN_PARAMETER}, a
 * SecureString). The value is never logged; errors name the secret, not its content.
 */
final class ApiTokenSource {
    private ApiTokenSource() {}

    static Optional<String> resolve(WorkerConfig config, Env env) {
        if (config.tokenSecret().isPresent()) {
            String id = config.tokenSecret().get();
            try (SecretsManagerClient sm = AwsClients.configure(
                            SecretsManagerClient.builder(), env, "AWS_ENDPOINT_URL_SECRETS_MANAGER")
                    .build()) {
                String raw = sm.getSecretValue(r -> r.secretId(id)).secretString();
                return Optional.of(fromSecretString(raw, "CALC_API_TOKEN_SECRET"));
            }
        }
        if (config.tokenParameter().isPresent()) {
            String name = config.tokenParameter().get();
            try (SsmClient ssm = AwsClients.configure(SsmClient.builder(), env, "AWS_ENDPOINT_URL_SSM")
                    .build()) {
                String value = ssm.getParameter(r -> r.name(name).withDecryption(true))
                        .parameter()
                        .value();
                if (value == null || value.isBlank()) {
                    throw new ConfigException("CALC_API_TOKEN_PARAMETER", "names a parameter with an empty value");
                }
                return Optional.of(checked(value, "CALC_API_TOKEN_PARAMETER"));
            }
        }
        return Optional.empty();
    }

    static String fromSecretString(String raw, String variable) {
        if (raw == null || raw.isBlank()) {
            throw new ConfigException(variable, "names a secret with an empty value");
        }
        String trimmed = raw.trim();
        if (trimmed.startsWith("{")) {
            try {
                JsonNode token = Json.newMapper().readTree(trimmed).get("token");
                if (token == null || !token.isTextual() || token.asText().isBlank()) {
                    throw new ConfigException(variable, "names a JSON secret without a non-empty \"token\" field");
                }
                return checked(token.asText(), variable);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new ConfigException(variable, "names a secret that starts like JSON but does not parse");
            }
        }
        return checked(trimmed, variable);
    }

    /**
     * The token trimmed; refused unless it is visible ASCII without spaces, so it can always go into an
     * {@code Authorization} header (a stray newline from a copy-paste would otherwise fail every request).
     */
    static String checked(String token, String variable) {
        String t = token.strip();
        if (t.isEmpty() || !t.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new ConfigException(
                    variable, "names a token with spaces or control characters inside; a bearer token has none");
        }
        return t;
    }
}
