package dev.ephemera.domain.canary;

import dev.ephemera.domain.error.EphemeraException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A canary's end-to-end test, as seed 001's {@code E2ESpec} custom resource describes it: the
 * object has the canary's name and namespace, and its {@code spec} holds every field below.
 * Absent optional fields leave the Kubernetes default in force.
 */
public record E2ESpec(
        String namespace,
        String name,
        String image,
        Optional<String> imagePullPolicy,
        List<String> command,
        List<String> args,
        List<EnvVar> env,
        List<EnvFromSource> envFrom,
        List<SecretMount> secrets,
        Optional<Integer> backoffLimit,
        Optional<Long> activeDeadlineSeconds,
        Optional<Integer> ttlSecondsAfterFinished,
        Optional<String> serviceAccountName,
        ResourceRequirements resources) {

    private static final Set<String> PULL_POLICIES = Set.of("Always", "IfNotPresent", "Never");

    public E2ESpec {
        if (namespace == null || namespace.isBlank() || name == null || name.isBlank()) {
            throw EphemeraException.invalid("an E2ESpec needs a name and a namespace (those of its canary)");
        }
        String where = "E2ESpec " + namespace + "/" + name;
        if (image == null || image.isBlank()) {
            throw EphemeraException.invalid(where + " has no spec.image: set the test container's image");
        }
        imagePullPolicy = Objects.requireNonNullElse(imagePullPolicy, Optional.empty());
        imagePullPolicy.ifPresent(p -> {
            if (!PULL_POLICIES.contains(p)) {
                throw EphemeraException.invalid(where + ": imagePullPolicy '" + p + "' is invalid: use Always, IfNotPresent or Never");
            }
        });
        command = List.copyOf(Objects.requireNonNullElse(command, List.of()));
        args = List.copyOf(Objects.requireNonNullElse(args, List.of()));
        env = List.copyOf(Objects.requireNonNullElse(env, List.of()));
        envFrom = List.copyOf(Objects.requireNonNullElse(envFrom, List.of()));
        secrets = List.copyOf(Objects.requireNonNullElse(secrets, List.of()));
        backoffLimit = Objects.requireNonNullElse(backoffLimit, Optional.empty());
        activeDeadlineSeconds = Objects.requireNonNullElse(activeDeadlineSeconds, Optional.empty());
        ttlSecondsAfterFinished = Objects.requireNonNullElse(ttlSecondsAfterFinished, Optional.empty());
        serviceAccountName = Objects.requireNonNullElse(serviceAccountName, Optional.<String>empty()).filter(s -> !s.isBlank());
        resources = Objects.requireNonNullElse(resources, ResourceRequirements.NONE);
        backoffLimit.ifPresent(b -> {
            if (b < 0) {
                throw EphemeraException.invalid(where + ": backoffLimit must be 0 or more, got " + b);
            }
        });
        activeDeadlineSeconds.ifPresent(s -> {
            if (s <= 0) {
                throw EphemeraException.invalid(where + ": activeDeadlineSeconds must be positive, got " + s);
            }
        });
        ttlSecondsAfterFinished.ifPresent(s -> {
            if (s < 0) {
                throw EphemeraException.invalid(where + ": ttlSecondsAfterFinished must be 0 or more, got " + s);
            }
        });
        Set<String> paths = new HashSet<>();
        for (SecretMount m : secrets) {
            if (!paths.add(m.mountPath())) {
                throw EphemeraException.invalid(where + ": two secrets are mounted at " + m.mountPath() + ": give each its own mountPath");
            }
        }
    }

    public static Builder builder(String namespace, String name, String image) {
        return new Builder(namespace, name, image);
    }

    public Builder toBuilder() {
        Builder b = new Builder(namespace, name, image);
        b.imagePullPolicy = imagePullPolicy;
        b.command.addAll(command);
        b.args.addAll(args);
        b.env.addAll(env);
        b.envFrom.addAll(envFrom);
        b.secrets.addAll(secrets);
        b.backoffLimit = backoffLimit;
        b.activeDeadlineSeconds = activeDeadlineSeconds;
        b.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
        b.serviceAccountName = serviceAccountName;
        b.resources = resources;
        return b;
    }

    /** Assembles a spec field by field; {@link #build()} validates. */
    public static final class Builder {
        private final String namespace;
        private final String name;
        private final String image;
        private Optional<String> imagePullPolicy = Optional.empty();
        private final List<String> command = new ArrayList<>();
        private final List<String> args = new ArrayList<>();
        private final List<EnvVar> env = new ArrayList<>();
        private final List<EnvFromSource> envFrom = new ArrayList<>();
        private final List<SecretMount> secrets = new ArrayList<>();
        private Optional<Integer> backoffLimit = Optional.empty();
        private Optional<Long> activeDeadlineSeconds = Optional.empty();
        private Optional<Integer> ttlSecondsAfterFinished = Optional.empty();
        private Optional<String> serviceAccountName = Optional.empty();
        private ResourceRequirements resources = ResourceRequirements.NONE;

        private Builder(String namespace, String name, String image) {
            this.namespace = namespace;
            this.name = name;
            this.image = image;
        }

        public Builder imagePullPolicy(String v) {
            imagePullPolicy = Optional.ofNullable(v);
            return this;
        }

        public Builder command(List<String> v) {
            command.clear();
            command.addAll(v);
            return this;
        }

        public Builder args(List<String> v) {
            args.clear();
            args.addAll(v);
            return this;
        }

        public Builder env(EnvVar v) {
            env.add(v);
            return this;
        }

        public Builder envFrom(EnvFromSource v) {
            envFrom.add(v);
            return this;
        }

        public Builder secret(SecretMount v) {
            secrets.add(v);
            return this;
        }

        public Builder backoffLimit(Integer v) {
            backoffLimit = Optional.ofNullable(v);
            return this;
        }

        public Builder activeDeadlineSeconds(Long v) {
            activeDeadlineSeconds = Optional.ofNullable(v);
            return this;
        }

        public Builder ttlSecondsAfterFinished(Integer v) {
            ttlSecondsAfterFinished = Optional.ofNullable(v);
            return this;
        }

        public Builder serviceAccountName(String v) {
            serviceAccountName = Optional.ofNullable(v);
            return this;
        }

        public Builder resources(ResourceRequirements v) {
            resources = v;
            return this;
        }

        public E2ESpec build() {
            return new E2ESpec(namespace, name, image, imagePullPolicy, command, args, env, envFrom, secrets,
                    backoffLimit, activeDeadlineSeconds, ttlSecondsAfterFinished, serviceAccountName, resources);
        }
    }
}
