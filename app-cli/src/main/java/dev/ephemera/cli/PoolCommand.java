package dev.ephemera.cli;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.cluster.DurationText;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.lease.Lease;
import dev.ephemera.domain.lease.PoolState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ephemera pool …}: the verbs of seed 003's {@code ip_pool_manager.sh}, over the configured lease store. */
@Command(name = "pool", description = {"Manage IP address pools (leases are kept in the configured store: sqlite or vault).",
    "Without --pool, allocate, release, list and capacity use pools.default, else the only pool."},
        subcommands = {PoolCommand.Create.class, PoolCommand.Allocate.class, PoolCommand.Release.class, PoolCommand.ListLeases.class,
            PoolCommand.Capacity.class, PoolCommand.Resize.class, PoolCommand.Delete.class})
public final class PoolCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /** The pool a verb works on: --pool, else {@code pools.default}, else the only pool there is. */
    static String poolName(CliContext ctx, String given) {
        if (given != null) {
            return given;
        }
        Optional<String> configured = ctx.ephemera().config().defaultPool();
        if (configured.isPresent()) {
            return configured.get();
        }
        List<String> all = ctx.ephemera().get(IpPools.class).pools();
        if (all.size() == 1) {
            return all.get(0);
        }
        if (all.isEmpty()) {
            throw EphemeraException.notFound("there is no pool yet; create one with: ephemera pool create NAME --range FIRST-LAST");
        }
        throw EphemeraException.invalid("which pool? there are " + all.size() + ": " + String.join(", ", all)
                + "; pass --pool NAME, or set the default in ephemera.yaml (pools: {default: NAME}) or EPHEMERA_POOLS_DEFAULT");
    }

    static Map<String, Object> describe(PoolState s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pool", s.name());
        m.put("range", s.definition().first() + "-" + s.definition().last());
        m.put("excluded", s.definition().exclusionsAsText());
        m.put("size", s.definition().size());
        return m;
    }

    static Map<String, Object> row(Lease l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("holder", l.holder());
        m.put("address", l.address().toString());
        m.put("grantedAt", l.grantedAt().toString());
        m.put("expiresAt", l.expiresAt().map(Object::toString).orElse(""));
        return m;
    }

    @Command(name = "create", description = "Create a pool from a range or a CIDR block, minus exclusions. Re-creating the same pool is a no-op.")
    static final class Create extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "Pool name (lowercase letters, digits, '-').")
        String name;

        static final class Source {
            @Option(names = "--range", paramLabel = "A-B", required = true, description = "Inclusive range, e.g. 192.168.1.140-192.168.1.149.")
            String range;
            @Option(names = "--cidr", paramLabel = "CIDR", required = true, description = "CIDR block, e.g. 10.0.0.0/28 (network and broadcast left out).")
            String cidr;
        }

        @ArgGroup(exclusive = true, multiplicity = "1")
        Source source;

        @Option(names = "--exclude", paramLabel = "IP", arity = "1..*", split = ",",
                description = "Addresses never handed out: several after one --exclude, comma-separated, or --exclude repeated.")
        List<String> exclude = new ArrayList<>();

        @Override
        protected int run(CliContext ctx) {
            ctx.render(describe(ctx.ephemera().get(IpPools.class).create(name, source.range != null ? source.range : source.cidr, exclude)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "allocate", description = "Lease an address to HOLDER and print only the address. The same holder always gets its own address back.")
    static final class Allocate extends BaseCommand {
        @Parameters(index = "0", paramLabel = "HOLDER", description = "Who holds the lease, e.g. pr-cksbackend-42.")
        String holder;

        @Option(names = "--pool", paramLabel = "NAME", description = "Pool to allocate from (default: pools.default, else the only pool).")
        String pool;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lease expires unless renewed within this time, e.g. 3d (default: never).")
        String ttl;

        @Override
        protected int run(CliContext ctx) {
            Lease l = ctx.ephemera().get(IpPools.class).allocate(poolName(ctx, pool), holder, Optional.ofNullable(ttl).map(DurationText::parse));
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.out().println(l.address());
                ctx.out().flush();
            } else {
                ctx.render(row(l));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "release", description = "Release HOLDER's address. Releasing a holder without a lease is not an error.")
    static final class Release extends BaseCommand {
        @Parameters(index = "0", paramLabel = "HOLDER")
        String holder;

        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            Optional<Lease> freed = ctx.ephemera().get(IpPools.class).release(poolName(ctx, pool), holder);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("holder", holder);
            m.put("released", freed.map(l -> l.address().toString()).orElse(""));
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.out().println(freed.map(l -> "released " + l.address() + " from " + holder).orElse(holder + " held no address"));
                ctx.out().flush();
            } else {
                ctx.render(m);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List the leases in force, lowest address first.")
    static final class ListLeases extends BaseCommand {
        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            ctx.render(ctx.ephemera().get(IpPools.class).list(poolName(ctx, pool)).stream().map(PoolCommand::row).toList());
            return ExitCodes.OK;
        }
    }

    @Command(name = "capacity", aliases = "check-capacity", description = "Show how many addresses are leased and free (alias: check-capacity, seed 003's name).")
    static final class Capacity extends BaseCommand {
        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            String name = poolName(ctx, pool);
            PoolState.Capacity c = ctx.ephemera().get(IpPools.class).capacity(name);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", name);
            m.put("total", c.total());
            m.put("leased", c.leased());
            m.put("free", c.free());
            ctx.render(m);
            return ExitCodes.OK;
        }
    }

    @Command(name = "resize", description = {"Give a pool a new range or CIDR block (and exclusions), keeping every lease.",
        "Refused (exit 4) when a lease in force would fall outside; resizing to the current definition changes nothing."})
    static final class Resize extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The pool.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Create.Source source;

        @Option(names = "--exclude", paramLabel = "IP", arity = "1..*", split = ",",
                description = "Addresses never handed out in the new definition (the old exclusions are replaced).")
        List<String> exclude = new ArrayList<>();

        @Override
        protected int run(CliContext ctx) {
            ctx.render(describe(ctx.ephemera().get(IpPools.class).resize(name, source.range != null ? source.range : source.cidr, exclude)));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = {"Delete a pool and its leases.",
        "Refused (exit 4) while leases are in force, unless --force; deleting a pool that does not exist is not an error."})
    static final class Delete extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The pool.")
        String name;

        @Option(names = "--force", description = "Delete even while leases are in force (their holders lose their addresses).")
        boolean force;

        @Override
        protected int run(CliContext ctx) {
            boolean deleted = ctx.ephemera().get(IpPools.class).delete(name, force);
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.out().println(deleted ? "deleted pool " + name : "nothing to delete: there is no pool " + name);
                ctx.out().flush();
            } else {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("pool", name);
                m.put("deleted", deleted);
                ctx.render(m);
            }
            return ExitCodes.OK;
        }
    }
}
