package dev.ephemera.domain.lease;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.PoolExhaustedException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The whole state of one IP pool: its definition and its leases. It is an immutable value;
 * every change returns a new state, which a store writes with compare-and-set. The allocation
 * rule lives here and nowhere else: lowest free address, the same holder always gets its own
 * address back, expired leases are free again, release is idempotent.
 */
public final class PoolState {
    private final PoolDefinition definition;
    private final Map<String, Lease> leases; // by holder, sorted

    private PoolState(PoolDefinition definition, Map<String, Lease> leases) {
        this.definition = definition;
        this.leases = Collections.unmodifiableMap(new TreeMap<>(leases));
        Set<Ipv4Address> seen = new HashSet<>();
        for (Lease l : this.leases.values()) {
            if (!definition.contains(l.address())) {
                throw EphemeraException.invalid("lease of " + l.holder() + " on " + l.address() + " is outside pool " + definition.name());
            }
            if (!seen.add(l.address())) {
                throw EphemeraException.invalid("address " + l.address() + " is leased twice in pool " + definition.name());
            }
        }
    }

    public static PoolState empty(PoolDefinition definition) {
        return new PoolState(definition, Map.of());
    }

    public static PoolState of(PoolDefinition definition, List<Lease> leases) {
        Map<String, Lease> byHolder = new TreeMap<>();
        for (Lease l : leases) {
            if (byHolder.put(l.holder(), l) != null) {
                throw EphemeraException.invalid("holder " + l.holder() + " has two leases in pool " + definition.name());
            }
        }
        return new PoolState(definition, byHolder);
    }

    public PoolDefinition definition() {
        return definition;
    }

    public String name() {
        return definition.name();
    }

    /** Every lease, including expired ones not yet reclaimed, ordered by address. */
    public List<Lease> leases() {
        List<Lease> out = new ArrayList<>(leases.values());
        out.sort((a, b) -> a.address().compareTo(b.address()));
        return out;
    }

    /** Leases still in force at {@code now}, ordered by address. */
    public List<Lease> activeLeases(Instant now) {
        return leases().stream().filter(l -> !l.isExpiredAt(now)).toList();
    }

    public Optional<Lease> leaseOf(String holder) {
        return Optional.ofNullable(leases.get(holder));
    }

    public Capacity capacity(Instant now) {
        int used = activeLeases(now).size();
        return new Capacity(definition.size(), used, definition.size() - used);
    }

    /**
     * Gives {@code holder} an address: its own if it has one in force (renewing the expiry when a
     * ttl is given), else the lowest address not leased to anyone in force.
     *
     * @throws PoolExhaustedException when no address is free
     */
    public Allocation allocate(String holder, Instant now, Optional<Duration> ttl) {
        Lease.requireValidHolder(holder);
        Optional<Instant> expiry = ttl.map(now::plus);
        Lease mine = leases.get(holder);
        if (mine != null && !mine.isExpiredAt(now)) {
            if (ttl.isEmpty() || mine.expiresAt().equals(expiry)) {
                return new Allocation(this, mine, false);
            }
            Lease renewed = new Lease(holder, mine.address(), mine.grantedAt(), expiry);
            return new Allocation(with(holder, renewed), renewed, true);
        }
        Set<Ipv4Address> taken = new HashSet<>();
        for (Lease l : leases.values()) {
            if (!l.isExpiredAt(now)) {
                taken.add(l.address());
            }
        }
        for (long v = definition.first().value(); v <= definition.last().value(); v++) {
            Ipv4Address a = new Ipv4Address(v);
            if (definition.contains(a) && !taken.contains(a)) {
                Lease granted = new Lease(holder, a, now, expiry);
                return new Allocation(withoutExpiredOn(a, now).with(holder, granted), granted, true);
            }
        }
        throw new PoolExhaustedException(definition.name(), definition.size());
    }

    /** Frees the holder's address. Releasing a holder without a lease changes nothing. */
    public Release release(String holder) {
        Lease.requireValidHolder(holder);
        Lease mine = leases.get(holder);
        if (mine == null) {
            return new Release(this, Optional.empty());
        }
        Map<String, Lease> next = new TreeMap<>(leases);
        next.remove(holder);
        return new Release(new PoolState(definition, next), Optional.of(mine));
    }

    /**
     * The same pool over a new range or exclusions. Every lease in force must still be inside it;
     * expired leases outside it are dropped (they are free anyway).
     *
     * @throws EphemeraException CONFLICT naming the held leases the new definition would drop
     */
    public PoolState resizedTo(PoolDefinition next, Instant now) {
        if (!next.name().equals(definition.name())) {
            throw EphemeraException.invalid("a resize keeps the pool's name: " + definition.name() + ", not " + next.name());
        }
        List<String> dropped = new ArrayList<>();
        Map<String, Lease> kept = new TreeMap<>();
        for (Lease l : leases.values()) {
            if (next.contains(l.address())) {
                kept.put(l.holder(), l);
            } else if (!l.isExpiredAt(now)) {
                dropped.add(l.address() + " (held by " + l.holder() + ")");
            }
        }
        if (!dropped.isEmpty()) {
            throw EphemeraException.conflict("resizing pool '" + definition.name() + "' to " + next.spec()
                    + (next.exclusions().isEmpty() ? "" : " excluding " + String.join(", ", next.exclusionsAsText()))
                    + " would drop leases in force: " + String.join(", ", dropped) + "; release them first (ephemera pool release HOLDER --pool "
                    + definition.name() + ") or keep those addresses in the pool");
        }
        return new PoolState(next, kept);
    }

    private PoolState with(String holder, Lease lease) {
        Map<String, Lease> next = new TreeMap<>(leases);
        next.put(holder, lease);
        return new PoolState(definition, next);
    }

    private PoolState withoutExpiredOn(Ipv4Address address, Instant now) {
        Map<String, Lease> next = new TreeMap<>(leases);
        next.values().removeIf(l -> l.address().equals(address) && l.isExpiredAt(now));
        return new PoolState(definition, next);
    }

    /** A plain map of strings, lists and numbers, for stores to encode as JSON. */
    public Map<String, Object> toDocument() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("schema", 1);
        doc.put("name", definition.name());
        doc.put("range", definition.first() + "-" + definition.last());
        doc.put("spec", definition.spec());
        doc.put("exclude", definition.exclusionsAsText());
        List<Map<String, Object>> ls = new ArrayList<>();
        for (Lease l : leases()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("holder", l.holder());
            m.put("address", l.address().toString());
            m.put("grantedAt", l.grantedAt().toString());
            l.expiresAt().ifPresent(e -> m.put("expiresAt", e.toString()));
            ls.add(m);
        }
        doc.put("leases", ls);
        return doc;
    }

    /** The inverse of {@link #toDocument()}; refuses anything malformed. */
    public static PoolState fromDocument(Map<String, ?> doc) {
        try {
            String name = (String) doc.get("name");
            String range = (String) doc.get("range");
            String spec = doc.get("spec") instanceof String s ? s : range;
            @SuppressWarnings("unchecked")
            List<String> exclude = doc.get("exclude") == null ? List.of() : (List<String>) doc.get("exclude");
            String[] ends = range.split("-", -1);
            List<Ipv4Address> ex = exclude.stream().map(Ipv4Address::parse).toList();
            PoolDefinition def = new PoolDefinition(name, spec, Ipv4Address.parse(ends[0]), Ipv4Address.parse(ends[1]), Set.copyOf(ex));
            List<Lease> leases = new ArrayList<>();
            @SuppressWarnings("unchecked")
            List<Map<String, ?>> ls = doc.get("leases") == null ? List.of() : (List<Map<String, ?>>) doc.get("leases");
            for (Map<String, ?> m : ls) {
                leases.add(new Lease((String) m.get("holder"), Ipv4Address.parse((String) m.get("address")),
                        Instant.parse((String) m.get("grantedAt")),
                        Optional.ofNullable((String) m.get("expiresAt")).map(Instant::parse)));
            }
            return of(def, leases);
        } catch (ClassCastException | NullPointerException | ArrayIndexOutOfBoundsException | java.time.format.DateTimeParseException e) {
            throw EphemeraException.invalid("stored pool state is malformed: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PoolState s && s.definition.equals(definition) && s.leases.equals(leases);
    }

    @Override
    public int hashCode() {
        return definition.hashCode() * 31 + leases.hashCode();
    }

    @Override
    public String toString() {
        return "PoolState[" + definition.name() + ", " + leases.size() + " leases]";
    }

    /** How full a pool is. */
    public record Capacity(int total, int leased, int free) {
    }

    /** The result of an allocation: the next state, the holder's lease, and whether anything changed. */
    public record Allocation(PoolState next, Lease lease, boolean changed) {
    }

    /** The result of a release: the next state and the lease that was freed, if any. */
    public record Release(PoolState next, Optional<Lease> released) {
        public boolean changed() {
            return released.isPresent();
        }
    }
}
