package dev.offerrecorder.shared.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The ID rule is checked by hand for speed: pinned here on its edges, and against the regex that states it. */
class JobIdRuleTest {
    static final List<String> ACCEPTED =
            List.of("a", "Z", "0", "-", "_", "shop-42", "run_2024-01-01", "AZaz09-_", "x".repeat(64));

    static final List<String> REFUSED = List.of(
            "",
            "x".repeat(65),
            " ",
            "shop 42",
            "shop/42",
            "../etc",
            "shop.42",
            "a|b",
            "a\n",
            "\u00e9t\u00e9",
            "\u0661", // Arabic-Indic digit one: a digit to Character.isDigit, not to the rule
            "\uff21", // fullwidth A
            "a\u0000",
            "\ud83d\ude00",
            "`",
            "@",
            "[",
            "{",
            "/",
            ":");

    @Test
    void acceptsOneToSixtyFourAsciiLettersDigitsDashesAndUnderscores() {
        for (String id : ACCEPTED) {
            assertTrue(Job.isValidId(id), id);
        }
    }

    @Test
    void refusesEmptyTooLongAndEveryOtherCharacter() {
        assertFalse(Job.isValidId(null));
        for (String id : REFUSED) {
            assertFalse(Job.isValidId(id), id);
        }
    }

    @Test
    void agreesWithTheRegexOnEveryCharacterOfTheBasicPlane() {
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            String s = "a" + c;
            assertEquals(
                    Job.ID.matcher(s).matches(), Job.isValidId(s), () -> "char U+" + Integer.toHexString(s.charAt(1)));
        }
        for (String id : ACCEPTED) {
            assertTrue(Job.ID.matcher(id).matches(), id);
        }
        for (String id : REFUSED) {
            assertFalse(Job.ID.matcher(id).matches(), id);
        }
    }

    @Test
    void aJobRefusesAnInvalidIdNamingTheField() {
        InvalidJobException e = assertThrows(
                InvalidJobException.class, () -> new Job("run-1", "shop/42", java.time.LocalDate.of(2024, 1, 1)));
        assertTrue(e.getMessage().contains("shopId"), e.getMessage());
    }
}
