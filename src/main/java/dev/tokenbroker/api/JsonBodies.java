package dev.tokenbroker.api;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Strict parsing of optional JSON request bodies: unknown fields, wrong types, trailing content and floats for
 * integers are rejected with a 400 whose message names the field, never the input.
 */
final class JsonBodies {

    private static final JsonMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .withCoercionConfig(
                    LogicalType.Integer, config -> config.setCoercion(CoercionInputShape.String, CoercionAction.Fail))
            .build();

    private JsonBodies() {}

    /**
     * Parses a body; an absent or blank body gives {@code empty}.
     *
     * @throws InvalidRequestException when the body is not what {@code type} expects
     */
    static <T> T parse(String body, Class<T> type, T empty) {
        if (body == null || body.isBlank()) {
            return empty;
        }
        try {
            T value = STRICT.readValue(body, type);
            return value == null ? empty : value;
        } catch (UnrecognizedPropertyException unknown) {
            throw new InvalidRequestException("unknown field '" + printable(unknown.getPropertyName()) + "'");
        } catch (MismatchedInputException mismatch) {
            String field = mismatch.getPath().isEmpty()
                    ? null
                    : mismatch.getPath().get(mismatch.getPath().size() - 1).getPropertyName();
            throw new InvalidRequestException(
                    field == null
                            ? "body must be a JSON object"
                            : "field '" + printable(field) + "' has the wrong type");
        } catch (JacksonException malformed) {
            throw new InvalidRequestException("body is not valid JSON");
        }
    }

    private static String printable(String name) {
        if (name == null) {
            return "?";
        }
        String cut = name.length() > 64 ? name.substring(0, 64) + "…" : name;
        return cut.replaceAll("[^\\x20-\\x7E]", "?");
    }
}
