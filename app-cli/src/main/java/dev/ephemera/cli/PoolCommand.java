package dev.ephemera.cli;

import dev.ephemera.application.IpPools;
import dev.ephemera.domain.cluster.DurationText;
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
@Command(name = "pool", description = "Manage IP address pools (leases are kept in the configured store: sqlite or vault).",
        subcommands = {PoolCommand.Create.class, PoolCommand.Allocate.class, PoolCommand.Release.class, PoolCommand.ListLeases.class,
            PoolCommand.Capacity.class})
public final class PoolCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
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

        @Option(names = "--exclude", paramLabel = "IP", split = ",", description = "Addresses never handed out (repeatable or comma-separated).")
        List<String> exclude = new ArrayList<>();

        @Override
        protected int run(CliContext ctx) {
            PoolState s = ctx.ephemera().get(IpPools.class).create(name, source.range != null ? source.range : source.cidr, exclude);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", s.name());
            m.put("range", s.definition().first() + "-" + s.definition().last());
            m.put("excluded", s.definition().exclusionsAsText());
            m.put("size", s.definition().size());
            ctx.render(m);
            return ExitCodes.OK;
        }
    }

    @Command(name = "allocate", description = "Lease an address to HOLDER and print only the address. The same holder always gets its own address back.")
    static final class Allocate extends BaseCommand {
        @Parameters(index = "0", paramLabel = "HOLDER", description = "Who holds the lease, e.g. pr-cksbackend-42.")
        String holder;

        @Option(names = "--pool", required = true, paramLabel = "NAME", description = "Pool to allocate from.")
        String pool;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lease expires unless renewed within this time, e.g. 3d (default: never).")
        String ttl;

        @Override
        protected int run(CliContext ctx) {
            Lease l = ctx.ephemera().get(IpPools.class).allocate(pool, holder, Optional.ofNullable(ttl).map(DurationText::parse));
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

        @Option(names = "--pool", required = true, paramLabel = "NAME")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            Optional<Lease> freed = ctx.ephemera().get(IpPools.class).release(pool, holder);
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
        @Option(names = "--pool", required = true, paramLabel = "NAME")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            ctx.render(ctx.ephemera().get(IpPools.class).list(pool).stream().map(PoolCommand::row).toList());
            return ExitCodes.OK;
        }
    }

    @Command(name = "capacity", description = "Show how many addresses are leased and free (seed 003's check-capacity).")
    static final class Capacity extends BaseCommand {
        @Option(names = "--pool", required = true, paramLabel = "NAME")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            PoolState.Capacity c = ctx.ephemera().get(IpPools.class).capacity(pool);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", pool);
            m.put("total", c.total());
            m.put("leased", c.leased());
            m.put("free", c.free());
            ctx.render(m);
            return ExitCodes.OK;
        }
    }
}
