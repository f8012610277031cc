package dev.offerrecorder.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.offerrecorder.shared.config.ConfigException;
import org.junit.jupiter.api.Test;

class ApiTokenSourceTest {
    @Test
    void tokensAreTrimmedInEitherSecretForm() {
        assertEquals("abc.def", ApiTokenSource.fromSecretString("  abc.def\n", "CALC_API_TOKEN_SECRET"));
        assertEquals(
                "abc.def", ApiTokenSource.fromSecretString("{\"token\":\" abc.def\\n\"}", "CALC_API_TOKEN_SECRET"));
    }

    @Test
    void aTokenThatCannotBeAHeaderIsRefusedNamingTheVariable() {
        var e = assertThrows(
                ConfigException.class,
                () -> ApiTokenSource.fromSecretString("{\"token\":\"abc\\r\\nX-Evil: 1\"}", "CALC_API_TOKEN_SECRET"));
        assertEquals("CALC_API_TOKEN_SECRET", e.variable());
        assertTrue(e.getMessage().contains("control characters"), e.getMessage());
    }
}
