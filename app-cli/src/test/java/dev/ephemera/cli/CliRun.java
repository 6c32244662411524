package dev.ephemera.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process with captured output and an environment of the test's choosing. */
record CliRun(int exitCode, String out, String err) {
    static CliRun run(Path stateHome, String... args) {
        return run(Map.of(), stateHome, args);
    }

    static CliRun run(Map<String, String> extraEnv, Path stateHome, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Map<String, String> env = new HashMap<>(extraEnv);
        env.put("XDG_STATE_HOME", stateHome.toString());
        env.put("HOME", stateHome.resolve("home").toString());
        env.put("PWD", stateHome.toString());
        // The adapters' default paths come from the process's own XDG_STATE_HOME; in-process runs
        // point them at the test's directory through the configuration instead.
        env.putIfAbsent("EPHEMERA_SQLITE_PATH", stateHome.resolve("ephemera/ephemera.db").toString());
        env.putIfAbsent("EPHEMERA_FILE_DIRECTORY", stateHome.resolve("ephemera/secrets").toString());
        int code = EphemeraCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true), env);
        return new CliRun(code, out.toString(), err.toString());
    }
}
