package dev.ephemera.adapters.kubernetes.workload;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.RoleRefBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seed 000's CI account on one cluster, made idempotently: each object is created, or kept when
 * it is already there as wanted (replaced when it is there but wrong), then the token Secret is
 * watched until the token controller fills it.
 */
final class CiAccountSetup {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String EPHEMERA = "ephemera";
    static final String TOKEN_TYPE = "kubernetes.io/service-account-token";
    static final String SA_NAME = "kubernetes.io/service-account.name";
    static final String SA_UID = "kubernetes.io/service-account.uid";
    static final String RBAC_GROUP = "rbac.authorization.k8s.io";
    private static final Logger LOG = LoggerFactory.getLogger(CiAccountSetup.class);
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final KubernetesClient k;
    private final URI server;
    private final CiAccount account;

    CiAccountSetup(KubernetesClient k, URI server, CiAccount account) {
        this.k = k;
        this.server = server;
        this.account = validated(account);
    }

    /** The name of the ClusterRoleBinding: one per CI account, and plainly ours. */
    static String bindingName(CiAccount a) {
        return "ephemera:" + a.namespace() + ":" + a.serviceAccount();
    }

    CiCredentials run(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ensureNamespace();
        ensureServiceAccount();
        ensureBinding();
        ensureTokenSecret();
        Optional<Secret> filled = awaitFilled(deadline);
        if (filled.isEmpty()) {
            // The token controller deletes a token Secret whose ServiceAccount it has not seen yet (DESIGN §10):
            // make sure the ServiceAccount is there, and try once more.
            LOG.info("token secret was deleted, creating it again server={} namespace={} secret={}", server, account.namespace(),
                    account.tokenSecret());
            ensureServiceAccount();
            ensureTokenSecret();
            filled = awaitFilled(deadline);
            if (filled.isEmpty()) {
                throw EphemeraException.unavailable("the token controller of " + server + " deleted Secret " + account.namespace() + "/"
                        + account.tokenSecret() + " twice; it deletes token Secrets whose ServiceAccount " + account.serviceAccount()
                        + " it does not know — check that the ServiceAccount exists and kube-controller-manager is healthy", null);
            }
        }
        return credentials(filled.get());
    }

    /**
     * A fresh token for the account: the token Secret is deleted — the API server refuses every
     * token minted from a Secret that is gone — and made again, then watched until the token
     * controller fills it. The account, its namespace and binding are made first if missing.
     *
     * @throws EphemeraException UNAVAILABLE when the old Secret is still there (being deleted) or
     *         the new token equals the old; the caller retries
     */
    CiCredentials rotate(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        ensureNamespace();
        ensureServiceAccount();
        ensureBinding();
        Resource<Secret> secret = k.secrets().inNamespace(account.namespace()).withName(account.tokenSecret());
        Secret old = call("read secret " + account.tokenSecret(), secret::get);
        Optional<String> oldToken = Optional.ofNullable(old).filter(s -> present(s, "token")).map(s -> s.getData().get("token"));
        Optional<String> oldUid = Optional.ofNullable(old).map(HasMetadata::getMetadata).map(m -> m.getUid()).filter(u -> !u.isBlank());
        if (old != null) {
            call("delete secret " + account.tokenSecret(), secret::delete);
            LOG.info("CI token secret deleted for rotation server={} namespace={} secret={}", server, account.namespace(), account.tokenSecret());
        }
        ensureTokenSecret();
        Secret made = call("read secret " + account.tokenSecret(), secret::get);
        Optional<String> newUid = Optional.ofNullable(made).map(HasMetadata::getMetadata).map(m -> m.getUid()).filter(u -> !u.isBlank());
        if (oldUid.isPresent() && oldUid.equals(newUid)) {
            throw EphemeraException.unavailable("Secret " + account.namespace() + "/" + account.tokenSecret() + " on " + server
                    + " is still being deleted; the token rotation is retried", null);
        }
        Optional<Secret> filled = awaitFilled(deadline);
        if (filled.isEmpty()) {
            throw EphemeraException.unavailable("the token controller of " + server + " deleted the new Secret " + account.namespace() + "/"
                    + account.tokenSecret() + "; the token rotation is retried", null);
        }
        if (oldToken.isPresent() && oldToken.get().equals(filled.get().getData().get("token"))) {
            throw EphemeraException.unavailable("Secret " + account.namespace() + "/" + account.tokenSecret() + " on " + server
                    + " still holds the old token; the token rotation is retried", null);
        }
        LOG.info("CI token rotated server={} namespace={} serviceAccount={}", server, account.namespace(), account.serviceAccount());
        return credentials(filled.get());
    }

    private void ensureNamespace() {
        Namespace wanted = new NamespaceBuilder().withNewMetadata().withName(account.namespace()).withLabels(labels()).endMetadata().build();
        Namespace ns = createOrGet("namespace " + account.namespace(), () -> k.namespaces().resource(wanted).create(),
                () -> k.namespaces().withName(account.namespace()).get());
        if (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase())) {
            throw EphemeraException.unavailable("namespace " + account.namespace() + " on " + server
                    + " is being deleted; the CI account is made again once it is gone", null);
        }
    }

    private void ensureServiceAccount() {
        ServiceAccount wanted = new ServiceAccountBuilder().withNewMetadata().withName(account.serviceAccount())
                .withNamespace(account.namespace()).withLabels(labels()).endMetadata().build();
        createOrGet("service account " + account.namespace() + "/" + account.serviceAccount(),
                () -> k.serviceAccounts().inNamespace(account.namespace()).resource(wanted).create(),
                () -> k.serviceAccounts().inNamespace(account.namespace()).withName(account.serviceAccount()).get());
    }

    private void ensureBinding() {
        String name = bindingName(account);
        RoleRef role = new RoleRefBuilder().withApiGroup(RBAC_GROUP).withKind("ClusterRole").withName(account.clusterRole()).build();
        Subject subject = new SubjectBuilder().withKind("ServiceAccount").withName(account.serviceAccount())
                .withNamespace(account.namespace()).build();
        ClusterRoleBinding wanted = new ClusterRoleBindingBuilder().withNewMetadata().withName(name).withLabels(labels()).endMetadata()
                .withRoleRef(role).withSubjects(subject).build();
        ClusterRoleBinding have = createOrGet("cluster role binding " + name,
                () -> k.rbac().clusterRoleBindings().resource(wanted).create(),
                () -> k.rbac().clusterRoleBindings().withName(name).get());
        // Exactly our subject: a binding of this name that also grants the role to someone else is not kept as it is.
        if (sameRole(have.getRoleRef(), role) && have.getSubjects() != null && have.getSubjects().size() == 1
                && sameSubject(have.getSubjects().get(0), subject)) {
            return;
        }
        // The name is ours, so whatever is bound there now is ours to put right; roleRef cannot be changed in place.
        LOG.info("cluster role binding differs from the CI account, replacing it server={} binding={}", server, name);
        call("replace cluster role binding " + name, () -> k.rbac().clusterRoleBindings().withName(name).delete());
        createOrGet("cluster role binding " + name, () -> k.rbac().clusterRoleBindings().resource(wanted).create(),
                () -> k.rbac().clusterRoleBindings().withName(name).get());
    }

    private void ensureTokenSecret() {
        Secret wanted = new SecretBuilder().withNewMetadata().withName(account.tokenSecret()).withNamespace(account.namespace())
                .withLabels(labels()).withAnnotations(Map.of(SA_NAME, account.serviceAccount())).endMetadata()
                .withType(TOKEN_TYPE).build();
        Secret have = createOrGet("secret " + account.namespace() + "/" + account.tokenSecret(),
                () -> k.secrets().inNamespace(account.namespace()).resource(wanted).create(),
                () -> k.secrets().inNamespace(account.namespace()).withName(account.tokenSecret()).get());
        if (TOKEN_TYPE.equals(have.getType()) && account.serviceAccount().equals(annotation(have, SA_NAME))) {
            return;
        }
        // A Secret's type cannot change: one of another type or for another account goes, and ours takes its place.
        LOG.info("secret is not the CI account's token secret, replacing it server={} namespace={} secret={} type={}", server,
                account.namespace(), account.tokenSecret(), have.getType());
        call("replace secret " + account.tokenSecret(), () -> k.secrets().inNamespace(account.namespace()).withName(account.tokenSecret()).delete());
        createOrGet("secret " + account.namespace() + "/" + account.tokenSecret(),
                () -> k.secrets().inNamespace(account.namespace()).resource(wanted).create(),
                () -> k.secrets().inNamespace(account.namespace()).withName(account.tokenSecret()).get());
    }

    /**
     * Watches the token Secret until the token controller has filled {@code token} and
     * {@code ca.crt} for the current ServiceAccount ({@code Optional.of}), or deleted it
     * ({@code Optional.empty()}). Once the informer's list and watch are running, one more read
     * closes the gap between them: a change made after the list but before the watch began is
     * seen there, whether or not the server replays it to the watch.
     */
    private Optional<Secret> awaitFilled(long deadline) {
        String what = "Secret " + account.namespace() + "/" + account.tokenSecret();
        ServiceAccount sa = call("read service account " + account.serviceAccount(),
                () -> k.serviceAccounts().inNamespace(account.namespace()).withName(account.serviceAccount()).get());
        Optional<String> uid = Optional.ofNullable(sa).map(HasMetadata::getMetadata).map(m -> m.getUid()).filter(u -> !u.isBlank());
        CompletableFuture<Optional<Secret>> outcome = new CompletableFuture<>();
        Consumer<Secret> seen = s -> {
            if (s == null) {
                outcome.complete(Optional.empty());
            } else if (filledFor(s, uid)) {
                outcome.complete(Optional.of(s));
            }
        };
        Resource<Secret> secret = k.secrets().inNamespace(account.namespace()).withName(account.tokenSecret());
        SharedIndexInformer<Secret> informer = call("watch " + what, () -> secret.inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Secret s) {
                seen.accept(s);
            }

            @Override
            public void onUpdate(Secret old, Secret s) {
                seen.accept(s);
            }

            @Override
            public void onDelete(Secret s, boolean finalStateUnknown) {
                seen.accept(null);
            }

            @Override
            public void onNothing() {
                seen.accept(null);
            }
        }));
        try {
            seen.accept(call("read " + what, secret::get));
            long left = deadline - System.nanoTime();
            return outcome.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw EphemeraException.timeout("the token controller of " + server + " did not fill " + what
                    + " with a token and ca.crt in time (kubernetes.bootstrap-timeout); "
                    + "check that kube-controller-manager runs on the new cluster, or raise the timeout");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EphemeraException.unavailable("interrupted while waiting for the token controller of " + server + " to fill " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the watch of " + what + " failed", e.getCause());
        } finally {
            informer.close();
        }
    }

    /** Filled, and for the ServiceAccount as it is now (a token minted for an earlier one with the same name does not work). */
    static boolean filledFor(Secret s, Optional<String> saUid) {
        if (!present(s, "token") || !present(s, "ca.crt")) {
            return false;
        }
        String forUid = annotation(s, SA_UID);
        return forUid == null || saUid.isEmpty() || forUid.equals(saUid.get());
    }

    private static boolean present(Secret s, String key) {
        return s.getData() != null && s.getData().get(key) != null && !s.getData().get(key).isBlank();
    }

    private CiCredentials credentials(Secret s) {
        Base64.Decoder b64 = Base64.getMimeDecoder();
        String ca = new String(b64.decode(s.getData().get("ca.crt")), StandardCharsets.UTF_8);
        if (!ca.contains("-----BEGIN CERTIFICATE-----")) {
            throw EphemeraException.backend("Secret " + account.namespace() + "/" + account.tokenSecret() + " on " + server
                    + " has a ca.crt that is not a PEM certificate", null);
        }
        byte[] token = b64.decode(s.getData().get("token"));
        LOG.info("CI account ready server={} namespace={} serviceAccount={} clusterRole={}", server, account.namespace(),
                account.serviceAccount(), account.clusterRole());
        return new CiCredentials(dev.ephemera.domain.secret.Secret.ofBytes(token), ca);
    }

    private static String annotation(HasMetadata o, String key) {
        Map<String, String> a = o.getMetadata() == null ? null : o.getMetadata().getAnnotations();
        return a == null ? null : a.get(key);
    }

    private static Map<String, String> labels() {
        return Map.of(MANAGED_BY, EPHEMERA);
    }

    private static boolean sameRole(RoleRef a, RoleRef b) {
        return a != null && Objects.equals(a.getKind(), b.getKind()) && Objects.equals(a.getName(), b.getName())
                && Objects.equals(a.getApiGroup(), b.getApiGroup());
    }

    private static boolean sameSubject(Subject a, Subject b) {
        return Objects.equals(a.getKind(), b.getKind()) && Objects.equals(a.getName(), b.getName())
                && Objects.equals(a.getNamespace(), b.getNamespace());
    }

    /** Create; if it is already there (409), read what is there. A 409 followed by a 404 means it is being deleted: retry later. */
    private <T> T createOrGet(String what, Supplier<T> create, Supplier<T> get) {
        try {
            T made = create.get();
            LOG.debug("created {} server={}", what, server);
            return made;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw ApiErrors.map(e, server, "create " + what);
            }
        }
        T have = call("read " + what, get);
        if (have == null) {
            throw EphemeraException.unavailable(what + " on " + server + " exists but cannot be read (it is being deleted); "
                    + "bootstrap is retried", null);
        }
        return have;
    }

    private <T> T call(String what, Supplier<T> op) {
        try {
            return op.get();
        } catch (KubernetesClientException e) {
            throw ApiErrors.map(e, server, what);
        }
    }

    private static CiAccount validated(CiAccount a) {
        Objects.requireNonNull(a, "account");
        for (var e : List.of(Map.entry("namespace", a.namespace()), Map.entry("service account", a.serviceAccount()))) {
            if (e.getValue() == null || e.getValue().length() > 63 || !DNS_LABEL.matcher(e.getValue()).matches()) {
                throw EphemeraException.invalid("CI " + e.getKey() + " '" + e.getValue() + "' is not a DNS-1123 label "
                        + "(lower-case letters, digits and '-', at most 63)");
            }
        }
        if (a.tokenSecret() == null || a.tokenSecret().length() > 253 || !DNS_SUBDOMAIN.matcher(a.tokenSecret()).matches()) {
            throw EphemeraException.invalid("CI token secret name '" + a.tokenSecret() + "' is not a DNS-1123 subdomain");
        }
        if (a.clusterRole() == null || a.clusterRole().isBlank() || a.clusterRole().contains("/") || a.clusterRole().contains("%")) {
            throw EphemeraException.invalid("CI cluster role '" + a.clusterRole() + "' is not a ClusterRole name");
        }
        return a;
    }
}
