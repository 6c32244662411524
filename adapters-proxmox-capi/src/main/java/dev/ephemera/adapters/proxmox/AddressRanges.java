package dev.ephemera.adapters.proxmox;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.lease.Ipv4Address;
import java.util.List;

/** CAPMOX's address notation ({@code A-B}, {@code A/prefix}, {@code A}), to tell whether an address falls inside. */
final class AddressRanges {
    record Range(Ipv4Address first, Ipv4Address last) {
        boolean contains(Ipv4Address a) {
            return a.compareTo(first) >= 0 && a.compareTo(last) <= 0;
        }
    }

    private AddressRanges() {
    }

    static Range parse(String text, String key) {
        String t = text.trim();
        try {
            if (t.contains("-")) {
                String[] ends = t.split("-", 2);
                Range r = new Range(Ipv4Address.parse(ends[0].trim()), Ipv4Address.parse(ends[1].trim()));
                if (r.first().compareTo(r.last()) > 0) {
                    throw bad(text, key, "the range runs backwards");
                }
                return r;
            }
            if (t.contains("/")) {
                String[] parts = t.split("/", 2);
                int bits = Integer.parseInt(parts[1].trim());
                if (bits < 0 || bits > 32) {
                    throw bad(text, key, "prefix must be 0-32");
                }
                long mask = bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
                long base = Ipv4Address.parse(parts[0].trim()).value() & mask;
                return new Range(new Ipv4Address(base), new Ipv4Address(base | (~mask & 0xFFFF_FFFFL)));
            }
            Ipv4Address one = Ipv4Address.parse(t);
            return new Range(one, one);
        } catch (NumberFormatException e) {
            throw bad(text, key, "not a number after '/'");
        } catch (EphemeraException e) {
            if (e.code() == ErrorCode.CONFIGURATION) {
                throw e;
            }
            throw bad(text, key, e.getMessage());
        }
    }

    static boolean anyContains(List<String> ranges, String address, String key) {
        Ipv4Address a = Ipv4Address.parse(address);
        return ranges.stream().anyMatch(r -> parse(r, key).contains(a));
    }

    private static EphemeraException bad(String text, String key, String why) {
        return new EphemeraException(ErrorCode.CONFIGURATION, key + " holds '" + text + "', which is not an IPv4 range (A-B), CIDR (A/prefix) "
                + "or address: " + why);
    }
}
