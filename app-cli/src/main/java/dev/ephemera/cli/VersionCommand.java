package dev.ephemera.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Command;

/** {@code ephemera version}: what this build is. */
@Command(name = "version", description = "Print the version of Ephemera and of the Java runtime.")
public final class VersionCommand extends BaseCommand {
    @Override
    protected int run(CliContext ctx) {
        Properties p = VersionProvider.buildInfo();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("version", p.getProperty("version", "unknown"));
        v.put("java", System.getProperty("java.version"));
        v.put("javaVendor", System.getProperty("java.vendor"));
        if (ctx.output() == OutputFormat.TABLE) {
            ctx.out().println("ephemera " + v.get("version"));
            ctx.out().println("java " + v.get("java") + " (" + v.get("javaVendor") + ")");
            ctx.out().flush();
        } else {
            ctx.render(v);
        }
        return ExitCodes.OK;
    }
}
