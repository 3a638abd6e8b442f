package dev.tokenbroker.problem;

/** A required form parameter of a drop-in token endpoint is missing or empty (400). */
public final class MissingParameterException extends InvalidRequestException {

    private final String parameter;

    public MissingParameterException(String parameter) {
        super("parameter '" + parameter + "' is missing or empty");
        this.parameter = parameter;
    }

    /** The parameter's name (one the endpoint knows, never the caller's input). */
    public String parameter() {
        return parameter;
    }
}
