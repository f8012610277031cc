package dev.offerrecorder.e2e.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads a CloudFormation YAML template into plain maps and lists, turning the short-form intrinsics
 * ({@code !Ref X}, {@code !GetAtt A.B}, {@code !Sub ...}, {@code !If [...]}, ...) into their long JSON form
 * ({@code {"Ref": "X"}}, {@code {"Fn::GetAtt": ["A", "B"]}}, ...). The checks then see one shape whichever form a
 * template uses. Plain SnakeYAML rejects the unknown tags; Jackson's YAML reader drops them, which would make
 * {@code !Ref Queue} indistinguishable from the string "Queue".
 */
final class CfnYaml {
    private static final List<String> FUNCTIONS = List.of(
            "Base64",
            "Cidr",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "ImportValue",
            "Join",
            "Length",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
            "If",
            "Equals",
            "Not",
            "And",
            "Or");

    private CfnYaml() {}

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String text) {
        LoaderOptions options = new LoaderOptions();
        // CloudFormation rejects duplicate keys; a YAML reader keeping the last one would hide the mistake.
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(10 * 1024 * 1024);
        Object document = new Yaml(new IntrinsicConstructor(options)).load(text);
        if (!(document instanceof Map)) {
            throw new IllegalArgumentException("template is not a YAML mapping");
        }
        return (Map<String, Object>) document;
    }

    private static final class IntrinsicConstructor extends SafeConstructor {
        IntrinsicConstructor(LoaderOptions options) {
            super(options);
            yamlConstructors.put(new Tag("!Ref"), new Intrinsic("Ref"));
            yamlConstructors.put(new Tag("!Condition"), new Intrinsic("Condition"));
            for (String function : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + function), new Intrinsic("Fn::" + function));
            }
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value =
                        switch (node) {
                            case ScalarNode scalar -> constructScalar(scalar);
                            case SequenceNode sequence -> constructSequence(sequence);
                            case MappingNode mapping -> constructMapping(mapping);
                            default -> throw new IllegalArgumentException("unexpected node for " + key + ": " + node);
                        };
                if (key.equals("Fn::GetAtt") && value instanceof String dotted) {
                    int dot = dotted.indexOf('.');
                    if (dot < 1) {
                        throw new IllegalArgumentException("!GetAtt needs Resource.Attribute, got '" + dotted + "'");
                    }
                    value = List.of(dotted.substring(0, dot), dotted.substring(dot + 1));
                }
                Map<String, Object> intrinsic = new LinkedHashMap<>();
                intrinsic.put(key, value);
                return intrinsic;
            }
        }
    }
}
