package dev.ephemera.cli;

import dev.ephemera.domain.cluster.DurationText;
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
        // No `subcommands` here: they are VERBS below, registered by EphemeraCli (all, or only the one a line runs).
        subcommands = {})
public final class PoolCommand implements Runnable {
    /** The verbs by name and alias, in the order {@code ephemera pool --help} lists them (see {@link EphemeraCommand#GROUPS}). */
    static final java.util.Map<String, Class<?>> VERBS = EphemeraCommand.named(
            "create", Create.class,
            "allocate", Allocate.class,
            "release", Release.class,
            "list", ListLeases.class,
            "capacity", Capacity.class,
            "check-capacity", Capacity.class,
            "resize", Resize.class,
            "delete", Delete.class);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    /**
     * The pool verbs that work against a server too: with {@code --server} or {@code $EPHEMERA_SERVER}
     * they call its API ({@link RemotePoolService}), else they open the configured lease store.
     */
    abstract static class ClientCommand extends BaseCommand {
        @picocli.CommandLine.Mixin
        ServerOptions server;

        @Override
        protected ClientMode clientMode() {
            return ClientMode.CLIENT;
        }
    }

    /** Verbs the API has no route for: refused against a server. */
    abstract static class LocalCommand extends BaseCommand {
        @picocli.CommandLine.Mixin
        ServerOptions.Refused server;

        @Override
        protected ClientMode clientMode() {
            return ClientMode.LOCAL_ONLY;
        }

        @Override
        protected String localReason() {
            return " (the API has no route for it; it works on the configured lease store)";
        }

        LocalPoolService pools(CliContext ctx) {
            return (LocalPoolService) ctx.pools();
        }
    }

    @Command(name = "create", description = "Create a pool from a range or a CIDR block, minus exclusions. Re-creating the same pool is a no-op.")
    static final class Create extends ClientCommand {
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
            ctx.render(ctx.pools().create(name, source.range != null ? source.range : source.cidr, exclude));
            return ExitCodes.OK;
        }
    }

    @Command(name = "allocate", description = "Lease an address to HOLDER and print only the address. The same holder always gets its own address back.")
    static final class Allocate extends ClientCommand {
        @Parameters(index = "0", paramLabel = "HOLDER", description = "Who holds the lease, e.g. pr-cksbackend-42.")
        String holder;

        @Option(names = "--pool", paramLabel = "NAME", description = "Pool to allocate from (default: pools.default, else the only pool).")
        String pool;

        @Option(names = "--ttl", paramLabel = "DURATION", description = "Lease expires unless renewed within this time, e.g. 3d (default: never).")
        String ttl;

        @Override
        protected int run(CliContext ctx) {
            Optional<java.time.Duration> ttlValue = Optional.ofNullable(ttl).map(DurationText::parse);
            PoolService pools = ctx.pools();
            PoolService.LeaseRow l = pools.allocate(pools.poolName(Optional.ofNullable(pool)), holder, ttlValue);
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.out().println(l.address());
                ctx.out().flush();
            } else {
                ctx.render(l);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "release", description = "Release HOLDER's address. Releasing a holder without a lease is not an error.")
    static final class Release extends ClientCommand {
        @Parameters(index = "0", paramLabel = "HOLDER")
        String holder;

        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            PoolService pools = ctx.pools();
            Optional<String> freed = pools.release(pools.poolName(Optional.ofNullable(pool)), holder);
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("holder", holder);
            m.put("released", freed.orElse(""));
            if (ctx.output() == OutputFormat.TABLE) {
                ctx.out().println(freed.map(a -> "released " + a + " from " + holder).orElse(holder + " held no address"));
                ctx.out().flush();
            } else {
                ctx.render(m);
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List the leases in force, lowest address first.")
    static final class ListLeases extends ClientCommand {
        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            PoolService pools = ctx.pools();
            ctx.render(pools.leases(pools.poolName(Optional.ofNullable(pool))));
            return ExitCodes.OK;
        }
    }

    @Command(name = "capacity", aliases = "check-capacity", description = "Show how many addresses are leased and free (alias: check-capacity, seed 003's name).")
    static final class Capacity extends ClientCommand {
        @Option(names = "--pool", paramLabel = "NAME", description = "Pool (default: pools.default, else the only pool).")
        String pool;

        @Override
        protected int run(CliContext ctx) {
            PoolService pools = ctx.pools();
            ctx.render(pools.capacity(pools.poolName(Optional.ofNullable(pool))));
            return ExitCodes.OK;
        }
    }

    @Command(name = "resize", description = {"Give a pool a new range or CIDR block (and exclusions), keeping every lease.",
        "Refused (exit 4) when a lease in force would fall outside; resizing to the current definition changes nothing."})
    static final class Resize extends LocalCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The pool.")
        String name;

        @ArgGroup(exclusive = true, multiplicity = "1")
        Create.Source source;

        @Option(names = "--exclude", paramLabel = "IP", arity = "1..*", split = ",",
                description = "Addresses never handed out in the new definition (the old exclusions are replaced).")
        List<String> exclude = new ArrayList<>();

        @Override
        protected int run(CliContext ctx) {
            ctx.render(pools(ctx).resize(name, source.range != null ? source.range : source.cidr, exclude));
            return ExitCodes.OK;
        }
    }

    @Command(name = "delete", description = {"Delete a pool and its leases.",
        "Refused (exit 4) while leases are in force, unless --force; deleting a pool that does not exist is not an error."})
    static final class Delete extends LocalCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "The pool.")
        String name;

        @Option(names = "--force", description = "Delete even while leases are in force (their holders lose their addresses).")
        boolean force;

        @Override
        protected int run(CliContext ctx) {
            boolean deleted = pools(ctx).delete(name, force);
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
