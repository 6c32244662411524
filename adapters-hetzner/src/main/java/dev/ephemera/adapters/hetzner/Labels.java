package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.error.EphemeraException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Hetzner's label rules (https://docs.hetzner.cloud/reference/cloud#description/labels) and the
 * labels every resource of ours carries. Labels are visible to anyone with read access to the
 * project, so nothing secret ever goes into one.
 */
public final class Labels {
    public static final String CLUSTER = "ephemera.dev/cluster";
    public static final String INSTALLATION = "ephemera.dev/installation";
    public static final String MANAGED_BY = "ephemera.dev/managed-by";

    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern VALUE = Pattern.compile("|[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private Labels() {
    }

    /** The selector that finds one cluster's resources of one installation. */
    public static String clusterSelector(String installation, String cluster) {
        return INSTALLATION + "=" + installation + "," + CLUSTER + "=" + cluster;
    }

    /** The selector that finds everything one installation owns. */
    public static String installationSelector(String installation) {
        return INSTALLATION + "=" + installation;
    }

    /** Refuses labels Hetzner would refuse, naming the label and the rule, before any request is sent. */
    public static Map<String, String> validate(Map<String, String> labels) {
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!validKey(e.getKey())) {
                throw EphemeraException.invalid("label key '" + e.getKey() + "' is not valid for Hetzner: use an optional DNS "
                        + "subdomain prefix and '/', then a name of at most 63 letters, digits, '-', '_' or '.', starting and "
                        + "ending with a letter or digit (the prefix hetzner.cloud/ is reserved)");
            }
            if (e.getValue() == null || !VALUE.matcher(e.getValue()).matches()) {
                throw EphemeraException.invalid("label " + e.getKey() + "='" + e.getValue() + "' is not valid for Hetzner: a value "
                        + "has at most 63 letters, digits, '-', '_' or '.', and starts and ends with a letter or digit");
            }
        }
        return Map.copyOf(new TreeMap<>(labels));
    }

    static boolean validKey(String key) {
        if (key == null || key.isEmpty()) {
            return false;
        }
        int slash = key.indexOf('/');
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (!NAME.matcher(name).matches()) {
            return false;
        }
        if (slash < 0) {
            return true;
        }
        String prefix = key.substring(0, slash);
        if (prefix.isEmpty() || prefix.length() > 253 || prefix.equals("hetzner.cloud") || prefix.endsWith(".hetzner.cloud")) {
            return false;
        }
        for (String part : prefix.split("\\.", -1)) {
            if (!DNS_LABEL.matcher(part).matches()) {
                return false;
            }
        }
        return true;
    }

    static String show(Map<String, String> labels) {
        return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(","));
    }
}
