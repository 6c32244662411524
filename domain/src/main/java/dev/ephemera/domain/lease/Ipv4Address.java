package dev.ephemera.domain.lease;

import dev.ephemera.domain.error.EphemeraException;

/** An IPv4 address as an unsigned 32-bit number, ordered numerically. */
public record Ipv4Address(long value) implements Comparable<Ipv4Address> {
    public Ipv4Address {
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw EphemeraException.invalid("not an IPv4 address: " + value);
        }
    }

    /** Parses dotted-quad text such as {@code 192.168.1.140}; anything else is refused. */
    public static Ipv4Address parse(String text) {
        if (text == null) {
            throw EphemeraException.invalid("an IPv4 address is required");
        }
        String t = text.trim();
        String[] parts = t.split("\\.", -1);
        if (parts.length != 4) {
            throw EphemeraException.invalid("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
        }
        long v = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')
                    || (p.length() > 1 && p.charAt(0) == '0')) {
                throw EphemeraException.invalid("'" + text + "' is not an IPv4 address (expected a.b.c.d, each 0-255, no leading zeros)");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw EphemeraException.invalid("'" + text + "' is not an IPv4 address (octet " + octet + " > 255)");
            }
            v = (v << 8) | octet;
        }
        return new Ipv4Address(v);
    }

    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (EphemeraException e) {
            return false;
        }
    }

    public Ipv4Address next() {
        return new Ipv4Address(value + 1);
    }

    @Override
    public int compareTo(Ipv4Address o) {
        return Long.compare(value, o.value);
    }

    @Override
    public String toString() {
        return ((value >> 24) & 0xFF) + "." + ((value >> 16) & 0xFF) + "." + ((value >> 8) & 0xFF) + "." + (value & 0xFF);
    }
}
