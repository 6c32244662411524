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
        Map<String, String> v = info();
        if (ctx.output() == OutputFormat.TABLE) {
            printText(v, ctx.out());
        } else {
            ctx.render(v);
        }
        return ExitCodes.OK;
    }

    /** What {@code version} reports: Ephemera's version and the Java runtime's. */
    static Map<String, String> info() {
        Properties p = VersionProvider.buildInfo();
        Map<String, String> v = new LinkedHashMap<>();
        v.put("version", p.getProperty("version", "unknown"));
        v.put("java", System.getProperty("java.version"));
        v.put("javaVendor", System.getProperty("java.vendor"));
        return v;
    }

    /** The table form, also printed by {@link EphemeraCli} for a bare {@code ephemera version} without building the command model. */
    static void printText(Map<String, String> v, java.io.PrintWriter out) {
        out.println("ephemera " + v.get("version"));
        out.println("java " + v.get("java") + " (" + v.get("javaVendor") + ")");
        out.flush();
    }
}
