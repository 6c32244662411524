package dev.ephemera.domain.lease;

import dev.ephemera.domain.error.EphemeraException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What addresses a pool hands out: an inclusive range {@code first-last} minus exclusions.
 * A CIDR block becomes the range of its usable host addresses.
 *
 * @param name        pool name, a DNS-1123 label
 * @param spec        the range as the user gave it ({@code A-B} or a CIDR), kept for display
 * @param first       lowest address of the range
 * @param last        highest address of the range
 * @param exclusions  addresses inside the range that are never handed out
 */
public record PoolDefinition(String name, String spec, Ipv4Address first, Ipv4Address last, Set<Ipv4Address> exclusions) {

    /** Largest pool we accept; the state of a pool is one document, so it must stay small. */
    public static final long MAX_SIZE = 65_536;

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public PoolDefinition {
        requireValidName(name);
        if (first.compareTo(last) > 0) {
            throw EphemeraException.invalid("pool range " + first + "-" + last + " is empty: the first address is above the last");
        }
        if (last.value() - first.value() + 1 > MAX_SIZE) {
            throw EphemeraException.invalid("pool range " + spec + " holds " + (last.value() - first.value() + 1)
                    + " addresses; at most " + MAX_SIZE + " are supported");
        }
        for (Ipv4Address x : exclusions) {
            if (x.compareTo(first) < 0 || x.compareTo(last) > 0) {
                throw EphemeraException.invalid("excluded address " + x + " is outside the pool range " + first + "-" + last);
            }
        }
        exclusions = Set.copyOf(new TreeSet<>(exclusions));
        if (size(first, last, exclusions) == 0) {
            throw EphemeraException.invalid("pool '" + name + "' has no usable address once the exclusions are removed");
        }
    }

    public static void requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw EphemeraException.invalid("pool name '" + name
                    + "' is invalid: use lowercase letters, digits and '-', start and end with a letter or digit, at most 63 characters");
        }
    }

    /** A range written {@code A-B}, both ends included. */
    public static PoolDefinition ofRange(String name, String range, List<String> exclusions) {
        String[] ends = range == null ? new String[0] : range.split("-", -1);
        if (ends.length != 2) {
            throw EphemeraException.invalid("range '" + range + "' is invalid: write it as FIRST-LAST, e.g. 192.168.1.140-192.168.1.149");
        }
        return new PoolDefinition(name, range.trim(), Ipv4Address.parse(ends[0]), Ipv4Address.parse(ends[1]), parseAll(exclusions));
    }

    /**
     * A CIDR block such as {@code 10.0.0.0/24}. Its network and broadcast addresses are left out
     * for prefixes up to /30; /31 and /32 use every address (RFC 3021).
     */
    public static PoolDefinition ofCidr(String name, String cidr, List<String> exclusions) {
        String[] parts = cidr == null ? new String[0] : cidr.split("/", -1);
        if (parts.length != 2 || parts[1].isEmpty() || !parts[1].chars().allMatch(Character::isDigit) || parts[1].length() > 2) {
            throw EphemeraException.invalid("CIDR '" + cidr + "' is invalid: write it as ADDRESS/PREFIX, e.g. 10.0.0.0/28");
        }
        int prefix = Integer.parseInt(parts[1]);
        if (prefix > 32) {
            throw EphemeraException.invalid("CIDR '" + cidr + "' is invalid: the prefix must be 0-32");
        }
        Ipv4Address base = Ipv4Address.parse(parts[0]);
        long mask = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
        if ((base.value() & mask) != base.value()) {
            throw EphemeraException.invalid("CIDR '" + cidr + "' has host bits set: did you mean "
                    + new Ipv4Address(base.value() & mask) + "/" + prefix + "?");
        }
        long lo = base.value();
        long hi = base.value() | (~mask & 0xFFFF_FFFFL);
        if (prefix <= 30) {
            lo++;
            hi--;
        }
        return new PoolDefinition(name, cidr.trim(), new Ipv4Address(lo), new Ipv4Address(hi), parseAll(exclusions));
    }

    /** Parses either form: a CIDR if it contains '/', else a range. */
    public static PoolDefinition parse(String name, String rangeOrCidr, List<String> exclusions) {
        return rangeOrCidr != null && rangeOrCidr.contains("/")
                ? ofCidr(name, rangeOrCidr, exclusions)
                : ofRange(name, rangeOrCidr, exclusions);
    }

    private static Set<Ipv4Address> parseAll(List<String> exclusions) {
        Set<Ipv4Address> out = new TreeSet<>();
        for (String e : exclusions == null ? List.<String>of() : exclusions) {
            out.add(Ipv4Address.parse(e));
        }
        return out;
    }

    private static long size(Ipv4Address first, Ipv4Address last, Set<Ipv4Address> exclusions) {
        return last.value() - first.value() + 1 - exclusions.size();
    }

    /** Number of addresses the pool can hand out. */
    public int size() {
        return (int) size(first, last, exclusions);
    }

    public boolean contains(Ipv4Address a) {
        return a.compareTo(first) >= 0 && a.compareTo(last) <= 0 && !exclusions.contains(a);
    }

    /** Every usable address, lowest first. */
    public List<Ipv4Address> addresses() {
        List<Ipv4Address> out = new ArrayList<>(size());
        for (long v = first.value(); v <= last.value(); v++) {
            Ipv4Address a = new Ipv4Address(v);
            if (!exclusions.contains(a)) {
                out.add(a);
            }
        }
        return out;
    }

    public List<String> exclusionsAsText() {
        return exclusions.stream().sorted().map(Ipv4Address::toString).toList();
    }
}
