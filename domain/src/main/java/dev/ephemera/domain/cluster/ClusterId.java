package dev.ephemera.domain.cluster;

import dev.ephemera.domain.error.EphemeraException;
import java.util.regex.Pattern;

/** A cluster's name: a DNS-1123 label of at most 40 characters, e.g. {@code pr-42-shop}. */
public record ClusterId(String value) implements Comparable<ClusterId> {
    public static final int MAX_LENGTH = 40;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public ClusterId {
        if (value == null || value.length() > MAX_LENGTH || !LABEL.matcher(value).matches()) {
            throw EphemeraException.invalid("cluster id '" + value + "' is invalid: use lowercase letters, digits and '-', start and end with a letter or digit, at most "
                    + MAX_LENGTH + " characters (e.g. pr-42-shop)");
        }
    }

    public static ClusterId of(String value) {
        return new ClusterId(value);
    }

    @Override
    public int compareTo(ClusterId o) {
        return value.compareTo(o.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
