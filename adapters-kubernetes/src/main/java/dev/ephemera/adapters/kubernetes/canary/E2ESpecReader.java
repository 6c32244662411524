package dev.ephemera.adapters.kubernetes.canary;

import dev.ephemera.domain.canary.E2ESpec;
import dev.ephemera.domain.canary.EnvFromSource;
import dev.ephemera.domain.canary.EnvValueSource;
import dev.ephemera.domain.canary.EnvVar;
import dev.ephemera.domain.canary.ResourceRequirements;
import dev.ephemera.domain.canary.SecretMount;
import dev.ephemera.domain.error.EphemeraException;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads an {@code E2ESpec} custom resource (as the API server stores it: plain JSON maps) into the
 * domain's {@link E2ESpec}. Wrong types and missing required fields are refused with the field's
 * path; fields it does not know are reported by {@link #unknownFields}, not refused, so a spec
 * written for seed 001's CRD still runs.
 */
final class E2ESpecReader {
    static final Set<String> KNOWN = Set.of("image", "imagePullPolicy", "command", "args", "env", "envFrom", "secrets",
            "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished", "serviceAccountName", "resources");

    private E2ESpecReader() {
    }

    static E2ESpec read(GenericKubernetesResource r) {
        String ns = r.getMetadata().getNamespace();
        String name = r.getMetadata().getName();
        Map<String, Object> spec = map(r.getAdditionalProperties().get("spec"), "spec", ns, name);
        Path p = new Path("E2ESpec " + ns + "/" + name);
        E2ESpec.Builder b = E2ESpec.builder(ns, name, string(spec.get("image"), p.at("spec.image")).orElse(null));
        string(spec.get("imagePullPolicy"), p.at("spec.imagePullPolicy")).ifPresent(b::imagePullPolicy);
        b.command(strings(spec.get("command"), p.at("spec.command")));
        b.args(strings(spec.get("args"), p.at("spec.args")));
        List<Object> env = list(spec.get("env"), p.at("spec.env"));
        for (int i = 0; i < env.size(); i++) {
            b.env(envVar(map(env.get(i), p.at("spec.env[" + i + "]")), p.at("spec.env[" + i + "]")));
        }
        List<Object> envFrom = list(spec.get("envFrom"), p.at("spec.envFrom"));
        for (int i = 0; i < envFrom.size(); i++) {
            b.envFrom(envFrom(map(envFrom.get(i), p.at("spec.envFrom[" + i + "]")), p.at("spec.envFrom[" + i + "]")));
        }
        List<Object> secrets = list(spec.get("secrets"), p.at("spec.secrets"));
        for (int i = 0; i < secrets.size(); i++) {
            Map<String, Object> s = map(secrets.get(i), p.at("spec.secrets[" + i + "]"));
            b.secret(new SecretMount(string(s.get("name"), p.at("spec.secrets[" + i + "].name")).orElse(null),
                    string(s.get("mountPath"), p.at("spec.secrets[" + i + "].mountPath")).orElse(null)));
        }
        integer(spec.get("backoffLimit"), p.at("spec.backoffLimit")).map(Long::intValue).ifPresent(b::backoffLimit);
        integer(spec.get("activeDeadlineSeconds"), p.at("spec.activeDeadlineSeconds")).ifPresent(b::activeDeadlineSeconds);
        integer(spec.get("ttlSecondsAfterFinished"), p.at("spec.ttlSecondsAfterFinished")).map(Long::intValue).ifPresent(b::ttlSecondsAfterFinished);
        string(spec.get("serviceAccountName"), p.at("spec.serviceAccountName")).ifPresent(b::serviceAccountName);
        if (spec.get("resources") != null) {
            Map<String, Object> res = map(spec.get("resources"), p.at("spec.resources"));
            b.resources(new ResourceRequirements(quantities(res.get("requests"), p.at("spec.resources.requests")),
                    quantities(res.get("limits"), p.at("spec.resources.limits"))));
        }
        try {
            return b.build();
        } catch (EphemeraException e) {
            throw e.getMessage().startsWith("E2ESpec") ? e : EphemeraException.invalid(p.where + ": " + e.getMessage());
        }
    }

    /** The top-level spec fields this reader ignores, sorted. */
    static Set<String> unknownFields(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        Set<String> unknown = new TreeSet<>();
        if (spec instanceof Map<?, ?> m) {
            for (Object k : m.keySet()) {
                if (!KNOWN.contains(String.valueOf(k))) {
                    unknown.add(String.valueOf(k));
                }
            }
        }
        return unknown;
    }

    private static EnvVar envVar(Map<String, Object> e, Field f) {
        String name = string(e.get("name"), f.sub("name")).orElse(null);
        Optional<String> value = string(e.get("value"), f.sub("value"));
        if (e.get("valueFrom") == null) {
            return new EnvVar(name, Optional.of(value.orElse("")), Optional.empty());
        }
        Map<String, Object> from = map(e.get("valueFrom"), f.sub("valueFrom"));
        List<EnvValueSource> sources = new ArrayList<>();
        if (from.get("secretKeyRef") != null) {
            Map<String, Object> s = map(from.get("secretKeyRef"), f.sub("valueFrom.secretKeyRef"));
            sources.add(new EnvValueSource.SecretKeyRef(string(s.get("name"), f.sub("valueFrom.secretKeyRef.name")).orElse(null),
                    string(s.get("key"), f.sub("valueFrom.secretKeyRef.key")).orElse(null), bool(s.get("optional"), f.sub("valueFrom.secretKeyRef.optional"))));
        }
        if (from.get("configMapKeyRef") != null) {
            Map<String, Object> s = map(from.get("configMapKeyRef"), f.sub("valueFrom.configMapKeyRef"));
            sources.add(new EnvValueSource.ConfigMapKeyRef(string(s.get("name"), f.sub("valueFrom.configMapKeyRef.name")).orElse(null),
                    string(s.get("key"), f.sub("valueFrom.configMapKeyRef.key")).orElse(null), bool(s.get("optional"), f.sub("valueFrom.configMapKeyRef.optional"))));
        }
        if (from.get("fieldRef") != null) {
            Map<String, Object> s = map(from.get("fieldRef"), f.sub("valueFrom.fieldRef"));
            sources.add(new EnvValueSource.FieldRef(string(s.get("fieldPath"), f.sub("valueFrom.fieldRef.fieldPath")).orElse(null),
                    string(s.get("apiVersion"), f.sub("valueFrom.fieldRef.apiVersion"))));
        }
        if (from.get("resourceFieldRef") != null) {
            Map<String, Object> s = map(from.get("resourceFieldRef"), f.sub("valueFrom.resourceFieldRef"));
            sources.add(new EnvValueSource.ResourceFieldRef(string(s.get("resource"), f.sub("valueFrom.resourceFieldRef.resource")).orElse(null),
                    string(s.get("containerName"), f.sub("valueFrom.resourceFieldRef.containerName")),
                    scalar(s.get("divisor"), f.sub("valueFrom.resourceFieldRef.divisor"))));
        }
        if (sources.size() != 1) {
            throw EphemeraException.invalid(f.path + ".valueFrom must name exactly one of secretKeyRef, configMapKeyRef, fieldRef, resourceFieldRef");
        }
        if (value.isPresent()) {
            throw EphemeraException.invalid(f.path + " has both value and valueFrom: keep one");
        }
        return EnvVar.from(name, sources.get(0));
    }

    private static EnvFromSource envFrom(Map<String, Object> e, Field f) {
        Optional<String> prefix = string(e.get("prefix"), f.sub("prefix"));
        boolean secret = e.get("secretRef") != null;
        boolean configMap = e.get("configMapRef") != null;
        if (secret == configMap) {
            throw EphemeraException.invalid(f.path + " must name exactly one of secretRef and configMapRef");
        }
        String key = secret ? "secretRef" : "configMapRef";
        Map<String, Object> ref = map(e.get(key), f.sub(key));
        return new EnvFromSource(secret ? EnvFromSource.Kind.SECRET : EnvFromSource.Kind.CONFIG_MAP,
                string(ref.get("name"), f.sub(key + ".name")).orElse(null), prefix, bool(ref.get("optional"), f.sub(key + ".optional")));
    }

    private static Map<String, String> quantities(Object o, Field f) {
        if (o == null) {
            return Map.of();
        }
        Map<String, String> out = new LinkedHashMap<>();
        map(o, f).forEach((k, v) -> out.put(k, scalar(v, f.sub(k)).orElseThrow(() -> EphemeraException.invalid(f.path + "." + k + " needs a quantity"))));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what, String ns, String name) {
        if (!(o instanceof Map)) {
            throw EphemeraException.invalid("E2ESpec " + ns + "/" + name + " has no " + what + " object");
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, Field f) {
        if (!(o instanceof Map)) {
            throw EphemeraException.invalid(f.path + " must be an object");
        }
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, Field f) {
        if (o == null) {
            return List.of();
        }
        if (!(o instanceof List)) {
            throw EphemeraException.invalid(f.path + " must be a list");
        }
        return (List<Object>) o;
    }

    private static List<String> strings(Object o, Field f) {
        List<Object> l = list(o, f);
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            out.add(string(l.get(i), f.sub("[" + i + "]")).orElseThrow(() -> EphemeraException.invalid(f.path + " must not hold null")));
        }
        return out;
    }

    private static Optional<String> string(Object o, Field f) {
        if (o == null) {
            return Optional.empty();
        }
        if (!(o instanceof String s)) {
            throw EphemeraException.invalid(f.path + " must be a string, got " + o);
        }
        return Optional.of(s);
    }

    /** A string or a number (YAML writes {@code cpu: 1} as a number). */
    private static Optional<String> scalar(Object o, Field f) {
        if (o == null) {
            return Optional.empty();
        }
        if (o instanceof String || o instanceof Number) {
            return Optional.of(o.toString());
        }
        throw EphemeraException.invalid(f.path + " must be a string or a number, got " + o);
    }

    private static Optional<Long> integer(Object o, Field f) {
        if (o == null) {
            return Optional.empty();
        }
        if (o instanceof Integer || o instanceof Long || o instanceof Short) {
            return Optional.of(((Number) o).longValue());
        }
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return Optional.of(n.longValue());
        }
        throw EphemeraException.invalid(f.path + " must be a whole number, got " + o);
    }

    private static boolean bool(Object o, Field f) {
        if (o == null) {
            return false;
        }
        if (!(o instanceof Boolean b)) {
            throw EphemeraException.invalid(f.path + " must be true or false, got " + o);
        }
        return b;
    }

    /** A field's full path for error messages, e.g. {@code E2ESpec shop/app: spec.env[2].valueFrom}. */
    private record Field(String path) {
        Field sub(String child) {
            return new Field(child.startsWith("[") ? path + child : path + "." + child);
        }
    }

    private record Path(String where) {
        Field at(String field) {
            return new Field(where + ": " + field);
        }
    }
}
