package dev.ephemera.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The version from build metadata ({@code ephemera-version.properties}, filtered by Maven). */
public final class VersionProvider implements IVersionProvider {
    public static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/ephemera-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // Missing metadata only makes the version "unknown".
        }
        return p;
    }

    @Override
    public String[] getVersion() {
        Properties p = buildInfo();
        return new String[] {"ephemera " + p.getProperty("version", "unknown"),
            "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"};
    }
}
