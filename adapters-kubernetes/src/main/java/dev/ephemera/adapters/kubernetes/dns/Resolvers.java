package dev.ephemera.adapters.kubernetes.dns;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/** A-record lookups through one configured DNS server (dnsjava), uncached, so a name that just appeared is seen at once. */
final class Resolvers {
    /** How long one query waits for the server's answer. */
    static final Duration QUERY_TIMEOUT = Duration.ofSeconds(2);

    private Resolvers() {
    }

    /**
     * Where to ask: {@code host:port}, {@code host} (port 53), {@code [v6]:port}, or {@code system}
     * (the resolvers of {@code /etc/resolv.conf}).
     */
    record Address(Optional<String> host, int port) {
        Address {
            if (port < 1 || port > 65535) {
                throw EphemeraException.invalid("DNS port must be 1-65535, got " + port);
            }
        }

        static Address parse(String text) {
            String t = text.trim();
            if (t.equals("system")) {
                return new Address(Optional.empty(), 53);
            }
            String host = t;
            int port = 53;
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0) {
                    throw EphemeraException.invalid("'" + text + "' is not host:port");
                }
                host = t.substring(1, close);
                if (close + 1 < t.length()) {
                    port = port(t.substring(close + 1), text);
                }
            } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
                host = t.substring(0, t.indexOf(':'));
                port = port(t.substring(t.indexOf(':')), text);
            }
            if (host.isBlank() || host.contains(" ")) {
                throw EphemeraException.invalid("'" + text + "' is not host:port, host or 'system', e.g. 192.168.1.3:53");
            }
            return new Address(Optional.of(host), port);
        }

        private static int port(String colonPort, String text) {
            try {
                return Integer.parseInt(colonPort.substring(1));
            } catch (RuntimeException e) {
                throw EphemeraException.invalid("'" + text + "' has no valid port after ':', e.g. 192.168.1.3:53");
            }
        }

        @Override
        public String toString() {
            return host.map(h -> (h.contains(":") ? "[" + h + "]" : h) + ":" + port).orElse("system");
        }
    }

    static Resolver resolver(Address a) {
        if (a.host().isEmpty()) {
            Resolver r = new ExtendedResolver();
            r.setTimeout(QUERY_TIMEOUT);
            return r;
        }
        InetSocketAddress at = new InetSocketAddress(a.host().get(), a.port());
        if (at.isUnresolved()) {
            throw new EphemeraException(ErrorCode.CONFIGURATION, "DNS resolver " + a + " cannot be used: its host name does not resolve; "
                    + "give its IP address, e.g. 192.168.1.3:53");
        }
        Resolver r = new SimpleResolver(at);
        r.setTimeout(QUERY_TIMEOUT);
        return r;
    }

    /**
     * The IPv4 addresses of {@code name}, following CNAMEs; empty when the server says the name or
     * its A record does not exist.
     *
     * @throws EphemeraException UNAVAILABLE when the server does not answer or answers with an error (SERVFAIL, REFUSED)
     */
    static List<String> lookupA(Resolver resolver, Address where, String name) {
        Lookup lookup;
        try {
            lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), Type.A);
        } catch (TextParseException e) {
            throw EphemeraException.invalid("'" + name + "' is not a DNS name: " + e.getMessage());
        }
        lookup.setResolver(resolver);
        lookup.setCache(null);
        Record[] answers = lookup.run();
        switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<String> out = new ArrayList<>();
                for (Record r : answers) {
                    if (r instanceof ARecord a) {
                        out.add(a.getAddress().getHostAddress());
                    }
                }
                return out;
            }
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> {
                return List.of();
            }
            default -> throw EphemeraException.unavailable("DNS server " + where + " gave no answer for " + name + ": "
                    + lookup.getErrorString(), null);
        }
    }
}
