package dev.ephemera.cli;

import dev.ephemera.bootstrap.AdapterRegistry;
import dev.ephemera.ports.spi.SettingSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code ephemera backends}: every discovered adapter factory, its port and the settings it reads. */
@Command(name = "backends", description = "List every discovered adapter (class path and plugins/), its port, and the settings it reads.")
public final class BackendsCommand extends BaseCommand {
    @Override
    protected int run(CliContext ctx) {
        AdapterRegistry registry = AdapterRegistry.discover(ctx.distributionHome().map(h -> h.resolve("plugins")));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (AdapterRegistry.Discovered d : registry.all()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("port", d.port());
            row.put("name", d.name());
            row.put("description", d.description());
            if (ctx.output() == OutputFormat.TABLE) {
                row.put("settings", d.settings().stream().map(s -> s.key() + (s.required() ? "*" : "") + s.defaultValue().map(v -> "=" + v).orElse(""))
                        .toList());
            } else {
                row.put("settings", d.settings().stream().map(BackendsCommand::describe).toList());
                row.put("implementation", d.implementation());
            }
            rows.add(row);
        }
        ctx.render(rows);
        if (ctx.output() == OutputFormat.TABLE) {
            ctx.out().println();
            ctx.out().println("* required; key=value shows a default. Settings live in the section named after the adapter in ephemera.yaml"
                    + " (e.g. sqlite: {path: ...}); see the README's configuration reference.");
            ctx.out().flush();
        }
        return ExitCodes.OK;
    }

    private static Map<String, Object> describe(SettingSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", s.key());
        m.put("description", s.description());
        m.put("required", s.required());
        s.defaultValue().ifPresent(v -> m.put("default", v));
        m.put("secret", s.secret());
        return m;
    }

}
