package dev.tokenbroker.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tokenbroker.problem.InvalidRequestException;
import dev.tokenbroker.problem.MissingParameterException;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FormBodiesTests {

    private static final Set<String> KNOWN = Set.of("grant_type", "apikey");

    @Test
    void parseDecodesPercentAndPlusAndKeepsEqualsInValues() {
        FormBodies.Form form = FormBodies.parse("grant_type=urn%3Aibm%3Aa+b&apikey=tbk_x%3D%3D==&&empty=", KNOWN);

        assertThat(form.value("grant_type")).hasValue("urn:ibm:a b");
        assertThat(form.value("apikey")).hasValue("tbk_x====");
        assertThat(form.value("empty")).isEmpty();
        assertThat(form.value("absent")).isEmpty();
    }

    @Test
    void parseWhenKnownFieldRepeatedThenNamesIt() {
        assertThatThrownBy(() -> FormBodies.parse("apikey=a&apikey=b", KNOWN))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("parameter 'apikey' is repeated");
    }

    @Test
    void parseWhenUnknownFieldRepeatedOrMalformedThenQuotesNothing() {
        assertThatThrownBy(() -> FormBodies.parse("SECRETNAME=a&SECRETNAME=b", KNOWN))
                .hasMessage("a parameter is repeated");
        assertThatThrownBy(() -> FormBodies.parse("apikey=SECRET%zz", KNOWN))
                .isInstanceOf(InvalidRequestException.class)
                .message()
                .doesNotContain("SECRET");
    }

    @Test
    void requiredWhenMissingOrEmptyThenMissingParameterNamingIt() {
        FormBodies.Form form = FormBodies.parse("apikey=", KNOWN);

        assertThatThrownBy(() -> form.required("apikey"))
                .isInstanceOf(MissingParameterException.class)
                .hasMessage("parameter 'apikey' is missing or empty");
    }

    @Test
    void toStringPrintsNoNameOrValue() {
        assertThat(FormBodies.parse("SECRETNAME=SECRETVALUE", KNOWN).toString())
                .doesNotContain("SECRET")
                .isEqualTo("Form[1 fields, redacted]");
    }
}
