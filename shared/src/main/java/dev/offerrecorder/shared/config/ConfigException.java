package dev.offerrecorder.shared.config;

/** A configuration value is missing or unusable; the message names the variable and what is wrong with it. */
public final class ConfigException extends RuntimeException {
    private final String variable;

    public ConfigException(String variable, String problem) {
        super("configuration " + variable + " " + problem);
        this.variable = variable;
    }

    public String variable() {
        return variable;
    }
}
