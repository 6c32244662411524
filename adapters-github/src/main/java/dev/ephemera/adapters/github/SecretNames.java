package dev.ephemera.adapters.github;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Locale;
import java.util.regex.Pattern;

/** GitHub's rules for Actions secrets, checked before any call so a bad request changes nothing. */
final class SecretNames {
    /** GitHub: "Secrets can store values of up to 48 KB in size." */
    static final int MAX_VALUE_BYTES = 48 * 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_ENVIRONMENT = 255;

    private SecretNames() {
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw EphemeraException.invalid("secret name '" + name + "' is not allowed by GitHub: use letters, digits and underscores,"
                    + " not starting with a digit, e.g. E2E_KUBECONFIG");
        }
        if (name.toUpperCase(Locale.ROOT).startsWith("GITHUB_")) {
            throw EphemeraException.invalid("secret name '" + name + "' starts with GITHUB_, which GitHub reserves; pick another, e.g. E2E_KUBECONFIG");
        }
    }

    static void checkSize(int bytes) {
        if (bytes > MAX_VALUE_BYTES) {
            throw EphemeraException.invalid("the secret is " + bytes + " bytes; GitHub Actions secrets hold at most 48 KB ("
                    + MAX_VALUE_BYTES + " bytes): store it elsewhere (e.g. Vault) and put a reference in the secret");
        }
    }

    static void checkEnvironment(String environment) {
        if (environment.isBlank() || environment.length() > MAX_ENVIRONMENT || environment.chars().anyMatch(Character::isISOControl)) {
            throw EphemeraException.invalid("environment name '" + environment + "' is invalid: 1 to " + MAX_ENVIRONMENT
                    + " printable characters, e.g. pr-42");
        }
    }
}
