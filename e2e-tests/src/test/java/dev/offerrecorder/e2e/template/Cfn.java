package dev.offerrecorder.e2e.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Small helpers over the long-form intrinsics {@link CfnYaml} produces: recognising Ref / GetAtt / Sub / If,
 * evaluating Conditions for given parameter values, and resolving {@code Fn::If} the way CloudFormation does.
 */
final class Cfn {
    /** What {@code !Ref AWS::NoValue} resolves to: the property, list element or map entry disappears. */
    static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "AWS::NoValue";
        }
    };

    private Cfn() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map ? (Map<String, Object>) value : Map.of();
    }

    /** A list as is, a single value as a one-element list, nothing as an empty list. */
    @SuppressWarnings("unchecked")
    static List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        return value instanceof List ? (List<Object>) value : List.of(value);
    }

    static Optional<Object> intrinsic(Object value, String function) {
        Map<String, Object> map = map(value);
        return map.size() == 1 && map.containsKey(function) ? Optional.ofNullable(map.get(function)) : Optional.empty();
    }

    /** The target of {@code {"Ref": X}}, if the value is one. */
    static Optional<String> ref(Object value) {
        return intrinsic(value, "Ref").filter(String.class::isInstance).map(String.class::cast);
    }

    static boolean isRef(Object value, String target) {
        return ref(value).filter(target::equals).isPresent();
    }

    static boolean isNoValue(Object value) {
        return value == NO_VALUE || isRef(value, "AWS::NoValue");
    }

    /** The resource of {@code {"Fn::GetAtt": [R, A]}}, if the value is one. */
    static Optional<String> getAttResource(Object value) {
        return intrinsic(value, "Fn::GetAtt")
                .map(Cfn::list)
                .filter(l -> !l.isEmpty())
                .map(l -> String.valueOf(l.get(0)));
    }

    static boolean isGetAtt(Object value, String resource, String attribute) {
        return intrinsic(value, "Fn::GetAtt")
                .map(Cfn::list)
                .filter(l -> l.size() == 2 && resource.equals(l.get(0)) && attribute.equals(l.get(1)))
                .isPresent();
    }

    /** The template string of {@code Fn::Sub} (either form), if the value is one. */
    static Optional<String> subTemplate(Object value) {
        return intrinsic(value, "Fn::Sub")
                .map(sub -> sub instanceof List<?> l && !l.isEmpty() ? l.get(0) : sub)
                .filter(String.class::isInstance)
                .map(String.class::cast);
    }

    /** Literal strings as they are, {@code Fn::Sub} as its template string; anything else is empty. */
    static Optional<String> stringOrSub(Object value) {
        return value instanceof String s ? Optional.of(s) : subTemplate(value);
    }

    /**
     * Every value the expression can take when {@code Fn::If} is involved: both branches, recursively, without
     * {@code AWS::NoValue}. A value without {@code Fn::If} is its own only alternative.
     */
    static List<Object> alternatives(Object value) {
        Optional<Object> condition = intrinsic(value, "Fn::If");
        if (condition.isEmpty()) {
            return isNoValue(value) ? List.of() : List.of(value);
        }
        List<Object> args = list(condition.get());
        List<Object> out = new ArrayList<>();
        if (args.size() == 3) {
            out.addAll(alternatives(args.get(1)));
            out.addAll(alternatives(args.get(2)));
        }
        return out;
    }

    /** Whether some condition makes the value disappear ({@code Fn::If} with an {@code AWS::NoValue} branch). */
    static boolean canBeNoValue(Object value) {
        if (isNoValue(value)) {
            return true;
        }
        return intrinsic(value, "Fn::If")
                .map(Cfn::list)
                .filter(a -> a.size() == 3)
                .map(a -> canBeNoValue(a.get(1)) || canBeNoValue(a.get(2)))
                .orElse(false);
    }

    /** Condition name to value for the template's defaults overlaid with {@code overrides}. */
    static Map<String, Boolean> evaluateConditions(CfnTemplate template, Map<String, String> overrides) {
        Map<String, String> parameters = new LinkedHashMap<>();
        template.parameters().forEach((name, spec) -> {
            Object def = map(spec).get("Default");
            parameters.put(name, def == null ? null : String.valueOf(def));
        });
        parameters.putAll(overrides);
        Map<String, Object> definitions = template.section("Conditions");
        Map<String, Boolean> values = new LinkedHashMap<>();
        for (String name : definitions.keySet()) {
            values.put(name, evaluate(name, definitions, parameters, values, 0));
        }
        return values;
    }

    private static boolean evaluate(
            String name,
            Map<String, Object> definitions,
            Map<String, String> parameters,
            Map<String, Boolean> done,
            int depth) {
        if (done.containsKey(name)) {
            return done.get(name);
        }
        if (depth > 50 || !definitions.containsKey(name)) {
            throw new IllegalArgumentException("condition " + name + " is undefined or circular");
        }
        boolean value = condition(definitions.get(name), definitions, parameters, done, depth + 1);
        done.put(name, value);
        return value;
    }

    private static boolean condition(
            Object expr,
            Map<String, Object> definitions,
            Map<String, String> parameters,
            Map<String, Boolean> done,
            int depth) {
        Map<String, Object> m = map(expr);
        if (m.size() != 1) {
            throw new IllegalArgumentException("not a condition expression: " + expr);
        }
        String fn = m.keySet().iterator().next();
        List<Object> args = list(m.get(fn));
        return switch (fn) {
            case "Condition" -> evaluate(String.valueOf(m.get(fn)), definitions, parameters, done, depth);
            case "Fn::Not" -> !condition(args.get(0), definitions, parameters, done, depth);
            case "Fn::And" -> args.stream().allMatch(a -> condition(a, definitions, parameters, done, depth));
            case "Fn::Or" -> args.stream().anyMatch(a -> condition(a, definitions, parameters, done, depth));
            case "Fn::Equals" -> Objects.equals(scalar(args.get(0), parameters), scalar(args.get(1), parameters));
            default -> throw new IllegalArgumentException("unsupported condition function " + fn);
        };
    }

    private static String scalar(Object value, Map<String, String> parameters) {
        Optional<String> ref = ref(value);
        if (ref.isPresent()) {
            // Pseudo parameters stay symbolic: no condition here compares them.
            return ref.get().startsWith("AWS::") ? "${" + ref.get() + "}" : parameters.get(ref.get());
        }
        return String.valueOf(value);
    }

    /**
     * The value with every {@code Fn::If} decided by {@code conditions}; {@code AWS::NoValue} removes list
     * elements and map entries (and comes back as {@link #NO_VALUE} at the top).
     */
    static Object resolveIfs(Object value, Map<String, Boolean> conditions) {
        Optional<Object> fnIf = intrinsic(value, "Fn::If");
        if (fnIf.isPresent()) {
            List<Object> args = list(fnIf.get());
            Boolean chosen = conditions.get(String.valueOf(args.get(0)));
            if (chosen == null) {
                throw new IllegalArgumentException("Fn::If names unknown condition " + args.get(0));
            }
            return resolveIfs(chosen ? args.get(1) : args.get(2), conditions);
        }
        if (isNoValue(value)) {
            return NO_VALUE;
        }
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> {
                Object resolved = resolveIfs(v, conditions);
                if (resolved != NO_VALUE) {
                    out.put(String.valueOf(k), resolved);
                }
            });
            return out;
        }
        if (value instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object element : l) {
                Object resolved = resolveIfs(element, conditions);
                if (resolved != NO_VALUE) {
                    out.add(resolved);
                }
            }
            return out;
        }
        return value;
    }
}
