package dev.tokenbroker.credential;

/**
 * The IBM Cloud IAM trusted profile a keyless credential mints for, named the way its configuration names it: by id,
 * by CRN, or by name (with the account for an {@code iam-assume} credential). Exactly one of {@code id}, {@code crn}
 * and {@code name} is set. Holds no secret: profile ids and CRNs are identifiers, not credentials.
 *
 * @param id the profile id ({@code profile-id}, e.g. {@code Profile-…}), or null
 * @param name the profile name ({@code profile-name}), or null
 * @param crn the profile CRN ({@code profile-crn}), or null
 * @param account the account that holds a profile named by {@code name} ({@code account}; {@code iam-assume}
 *     only), or null
 */
public record TrustedProfile(String id, String name, String crn, String account) {

    /** How operators see it in logs and problems, e.g. {@code profile-id Profile-123}. */
    public String describe() {
        if (id != null) {
            return "profile-id " + id;
        }
        if (crn != null) {
            return "profile-crn " + crn;
        }
        return "profile-name " + name + (account == null ? "" : " in account " + account);
    }
}
