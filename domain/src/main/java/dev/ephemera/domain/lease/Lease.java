package dev.ephemera.domain.lease;

import dev.ephemera.domain.error.EphemeraException;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One address bound to one holder. A lease with an expiry is free again once it has passed,
 * so a cancelled CI job cannot keep an address forever.
 */
public record Lease(String holder, Ipv4Address address, Instant grantedAt, Optional<Instant> expiresAt) {

    private static final Pattern HOLDER = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/@#+=-]{0,252}");

    public Lease {
        requireValidHolder(holder);
        if (address == null || grantedAt == null || expiresAt == null) {
            throw EphemeraException.invalid("a lease needs an address, a grant time and an optional expiry");
        }
    }

    public static void requireValidHolder(String holder) {
        if (holder == null || !HOLDER.matcher(holder).matches()) {
            throw EphemeraException.invalid("holder '" + holder + "' is invalid: use 1-253 characters from letters, digits and ._:/@#+=- starting with a letter or digit");
        }
    }

    public boolean isExpiredAt(Instant now) {
        return expiresAt.map(e -> !now.isBefore(e)).orElse(false);
    }
}
