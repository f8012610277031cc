package dev.offerrecorder.e2e.template;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The reader the template checks stand on: short-form intrinsics come out in their long form. */
class CfnYamlTest {

    @Test
    void shortFormIntrinsicsBecomeTheirLongForm() {
        Map<String, Object> doc = CfnYaml.parse("""
                a: !Ref Queue
                b: !GetAtt Queue.Arn
                c: !Sub "${Bucket.Arn}/*"
                d: !If [IsOn, !Ref X, !Ref AWS::NoValue]
                e: !Sub
                  - "x-${Name}"
                  - Name: !Select [0, !Split [",", "a,b"]]
                f: !Not [!Equals [!Ref P, ""]]
                g: !GetAtt [Queue, Arn]
                """);
        assertEquals(Map.of("Ref", "Queue"), doc.get("a"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Queue", "Arn")), doc.get("b"));
        assertEquals(Map.of("Fn::Sub", "${Bucket.Arn}/*"), doc.get("c"));
        assertEquals(
                Map.of("Fn::If", List.of("IsOn", Map.of("Ref", "X"), Map.of("Ref", "AWS::NoValue"))), doc.get("d"));
        assertEquals(
                Map.of(
                        "Fn::Sub",
                        List.of(
                                "x-${Name}",
                                Map.of(
                                        "Name",
                                        Map.of("Fn::Select", List.of(0, Map.of("Fn::Split", List.of(",", "a,b"))))))),
                doc.get("e"));
        assertEquals(Map.of("Fn::Not", List.of(Map.of("Fn::Equals", List.of(Map.of("Ref", "P"), "")))), doc.get("f"));
        assertEquals(Map.of("Fn::GetAtt", List.of("Queue", "Arn")), doc.get("g"));
    }

    @Test
    void duplicateKeysAreRejectedAsCloudFormationDoes() {
        assertThrows(RuntimeException.class, () -> CfnYaml.parse("a: 1\na: 2\n"));
    }

    @Test
    void conditionsAndIfsResolveLikeCloudFormation() {
        CfnTemplate t = CfnTemplate.parse("""
                Parameters:
                  P: {Type: String, Default: ""}
                Conditions:
                  HasP: !Not [!Equals [!Ref P, ""]]
                  Both: !And [!Condition HasP, !Equals [x, x]]
                Resources: {}
                """, CfnTemplate.repoRoot());
        assertEquals(Map.of("HasP", false, "Both", false), Cfn.evaluateConditions(t, Map.of()));
        Map<String, Boolean> on = Cfn.evaluateConditions(t, Map.of("P", "v"));
        assertEquals(Map.of("HasP", true, "Both", true), on);
        Object value = CfnYaml.parse("l: [a, !If [HasP, b, !Ref AWS::NoValue]]").get("l");
        assertEquals(List.of("a"), Cfn.resolveIfs(value, Map.of("HasP", false)));
        assertEquals(List.of("a", "b"), Cfn.resolveIfs(value, on));
        assertTrue(Cfn.canBeNoValue(((List<?>) value).get(1)));
    }
}
