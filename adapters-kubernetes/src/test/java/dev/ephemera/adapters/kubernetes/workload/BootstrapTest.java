package dev.ephemera.adapters.kubernetes.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.ports.workload.AdminAccess;
import dev.ephemera.ports.workload.CiAccount;
import dev.ephemera.ports.workload.CiCredentials;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("bootstrap: seed 000's CI account on a new cluster")
class BootstrapTest {
    private static final CiAccount CI = CiAccount.defaults();

    private MockCluster cluster;
    private KubernetesWorkloadClusters workload;

    @BeforeEach
    void start() {
        cluster = new MockCluster();
        workload = new KubernetesWorkloadClusters(new WorkloadSettings(Duration.ofSeconds(20), Duration.ofSeconds(5)));
    }

    @AfterEach
    void stop() {
        workload.close();
        cluster.close();
    }

    private KubernetesWorkloadClusters withBootstrapTimeout(Duration d) {
        workload.close();
        workload = new KubernetesWorkloadClusters(new WorkloadSettings(d, Duration.ofSeconds(5)));
        return workload;
    }

    private List<ClusterRoleBinding> ourBindings() {
        return cluster.client().rbac().clusterRoleBindings().withLabel(CiAccountSetup.MANAGED_BY, CiAccountSetup.EPHEMERA).list().getItems();
    }

    @Nested
    @DisplayName("with the token controller running")
    class WithController {
        private TokenController controller;

        @BeforeEach
        void startController() {
            controller = new TokenController(cluster.client(), cluster.caPem(), 0);
        }

        @AfterEach
        void stopController() {
            controller.close();
        }

        @Test
        @DisplayName("makes the namespace, ServiceAccount, ClusterRoleBinding and token Secret, and returns the token and ca.crt")
        void makesTheAccount() {
            CiCredentials creds = workload.bootstrap(cluster.admin(), CI);

            assertThat(controller.tokens).hasSize(1);
            assertThat(creds.token().reveal()).isEqualTo(controller.tokens.get(0));
            assertThat(creds.caPem()).isEqualTo(cluster.caPem());

            Namespace ns = cluster.client().namespaces().withName("ephemera-ci").get();
            assertThat(ns.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "ephemera");
            ServiceAccount sa = cluster.client().serviceAccounts().inNamespace("ephemera-ci").withName("ephemera-ci").get();
            assertThat(sa).isNotNull();
            ClusterRoleBinding crb = cluster.client().rbac().clusterRoleBindings().withName("ephemera:ephemera-ci:ephemera-ci").get();
            assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
            assertThat(crb.getRoleRef().getName()).isEqualTo("cluster-admin");
            assertThat(crb.getRoleRef().getApiGroup()).isEqualTo("rbac.authorization.k8s.io");
            assertThat(crb.getSubjects()).singleElement().satisfies(s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo("ephemera-ci");
                assertThat(s.getNamespace()).isEqualTo("ephemera-ci");
            });
            Secret token = cluster.client().secrets().inNamespace("ephemera-ci").withName("ephemera-ci-token").get();
            assertThat(token.getType()).isEqualTo("kubernetes.io/service-account-token");
            assertThat(token.getMetadata().getAnnotations()).containsEntry("kubernetes.io/service-account.name", "ephemera-ci");
        }

        @Test
        @DisplayName("run twice, leaves one of each object and returns the same token")
        void idempotent() {
            CiCredentials first = workload.bootstrap(cluster.admin(), CI);
            CiCredentials second = workload.bootstrap(cluster.admin(), CI);

            assertThat(second.token()).isEqualTo(first.token());
            assertThat(second.caPem()).isEqualTo(first.caPem());
            assertThat(controller.tokens).hasSize(1);
            assertThat(cluster.client().namespaces().withLabel(CiAccountSetup.MANAGED_BY).list().getItems()).hasSize(1);
            assertThat(cluster.client().serviceAccounts().inNamespace("ephemera-ci").list().getItems()).hasSize(1);
            assertThat(ourBindings()).hasSize(1);
            assertThat(cluster.client().secrets().inNamespace("ephemera-ci").list().getItems()).hasSize(1);
        }

        @Test
        @DisplayName("frees its client for the cluster once the account is made")
        void forgetsTheConnection() {
            workload.bootstrap(cluster.admin(), CI);

            assertThat(workload.health().detail()).startsWith("0 ");
        }

        @Test
        @DisplayName("puts right a binding of the same name that grants another role, and a Secret of the same name of another type")
        void replacesWhatIsWrong() {
            cluster.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName("ephemera-ci").endMetadata().build()).create();
            cluster.client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata()
                    .withName("ephemera:ephemera-ci:ephemera-ci").endMetadata()
                    .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "view")
                    .addNewSubject().withKind("User").withName("someone").endSubject().build()).create();
            cluster.client().secrets().inNamespace("ephemera-ci").resource(new SecretBuilder().withNewMetadata()
                    .withName("ephemera-ci-token").withNamespace("ephemera-ci").endMetadata()
                    .withType("Opaque").addToStringData("token", "not-a-token").build()).create();

            CiCredentials creds = workload.bootstrap(cluster.admin(), CI);

            assertThat(creds.token().reveal()).isEqualTo(controller.tokens.get(0));
            ClusterRoleBinding crb = cluster.client().rbac().clusterRoleBindings().withName("ephemera:ephemera-ci:ephemera-ci").get();
            assertThat(crb.getRoleRef().getName()).isEqualTo("cluster-admin");
            assertThat(crb.getSubjects()).singleElement().satisfies(s -> assertThat(s.getName()).isEqualTo("ephemera-ci"));
            assertThat(cluster.client().secrets().inNamespace("ephemera-ci").withName("ephemera-ci-token").get().getType())
                    .isEqualTo("kubernetes.io/service-account-token");
        }

        @Test
        @DisplayName("works with an RSA admin key in PKCS #1 form, as other backends' kubeconfigs carry it")
        void rsaAdminKey() {
            TestPki.Issued rsa = TestPki.client(TestPki.ca("client-ca", TestPki.Alg.RSA), "kubernetes-admin", "system:masters", TestPki.Alg.RSA);

            CiCredentials creds = workload.bootstrap(cluster.admin(rsa, rsa.traditionalKeyPem()), CI);

            assertThat(creds.token().reveal()).isEqualTo(controller.tokens.get(0));
        }

        @Test
        @DisplayName("binds the cluster role and names the account as asked")
        void otherAccount() {
            CiAccount mine = new CiAccount("ci", "runner", "edit", "runner-token");

            CiCredentials creds = workload.bootstrap(cluster.admin(), mine);

            assertThat(creds.token().reveal()).isEqualTo(controller.tokens.get(0));
            assertThat(cluster.client().rbac().clusterRoleBindings().withName("ephemera:ci:runner").get().getRoleRef().getName()).isEqualTo("edit");
            assertThat(cluster.client().secrets().inNamespace("ci").withName("runner-token").get().getMetadata().getAnnotations())
                    .containsEntry("kubernetes.io/service-account.name", "runner");
        }
    }

    @Test
    @DisplayName("creates the token Secret again, once, when the token controller deleted it")
    void recreatesOnce() {
        try (TokenController controller = new TokenController(cluster.client(), cluster.caPem(), 1)) {
            CiCredentials creds = workload.bootstrap(cluster.admin(), CI);

            assertThat(controller.deleted).containsExactly("ephemera-ci/ephemera-ci-token");
            assertThat(creds.token().reveal()).isEqualTo(controller.tokens.get(0));
            assertThat(cluster.client().secrets().inNamespace("ephemera-ci").list().getItems()).hasSize(1);
        }
    }

    @Test
    @DisplayName("gives up, to be retried, when the token controller deletes the Secret twice")
    void deletedTwice() {
        try (TokenController controller = new TokenController(cluster.client(), cluster.caPem(), 2)) {
            assertThatThrownBy(() -> workload.bootstrap(cluster.admin(), CI))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("deleted Secret ephemera-ci/ephemera-ci-token twice")
                    .hasMessageContaining(cluster.uri().toString());
            assertThat(controller.deleted).hasSize(2);
        }
    }

    @Test
    @DisplayName("times out, saying the token controller did not fill the Secret, when no controller runs")
    void noController() {
        withBootstrapTimeout(Duration.ofMillis(1500));

        assertThatThrownBy(() -> workload.bootstrap(cluster.admin(), CI))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT))
                .hasMessageContaining("token controller of " + cluster.uri())
                .hasMessageContaining("did not fill Secret ephemera-ci/ephemera-ci-token");
        // What was made stays: the next try finds it and only waits.
        assertThat(cluster.client().serviceAccounts().inNamespace("ephemera-ci").withName("ephemera-ci").get()).isNotNull();
    }

    @Test
    @DisplayName("says the admin certificate was not accepted when the server answers 401")
    void unauthenticated() {
        cluster.server().expect().post().withPath("/api/v1/namespaces")
                .andReturn(401, new StatusBuilder().withCode(401).withReason("Unauthorized").withMessage("Unauthorized").build()).always();

        assertThatThrownBy(() -> workload.bootstrap(cluster.admin(), CI))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHENTICATED))
                .hasMessageContaining("the API server " + cluster.uri())
                .hasMessageContaining("create namespace ephemera-ci");
    }

    @Test
    @DisplayName("says the admin certificate lacks rights when the server answers 403")
    void forbidden() {
        cluster.server().expect().post().withPath("/api/v1/namespaces")
                .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden")
                        .withMessage("namespaces is forbidden: User \"system:admin\" cannot create resource").build()).always();

        assertThatThrownBy(() -> workload.bootstrap(cluster.admin(), CI))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PERMISSION_DENIED))
                .hasMessageContaining("the API server " + cluster.uri())
                .hasMessageContaining("cluster-admin");
    }

    @Test
    @DisplayName("is UNAVAILABLE, to be retried, when the API server cannot be reached")
    void unreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        AdminAccess a = cluster.admin();
        AdminAccess nowhere = new AdminAccess(URI.create("https://127.0.0.1:" + port), a.caPem(), a.clientCertPem(), a.clientKeyPem());

        assertThatThrownBy(() -> workload.bootstrap(nowhere, CI))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).as(e.toString()).isEqualTo(ErrorCode.UNAVAILABLE))
                .hasMessageContaining("https://127.0.0.1:" + port);
    }

    @Test
    @DisplayName("talks only to a server whose certificate names its address and comes from the cluster CA, showing the admin certificate")
    void verifiesTheServer() throws Exception {
        TestPki.Issued serverCa = TestPki.ca("server-ca", TestPki.Alg.EC);
        TestPki.Issued clientCa = TestPki.ca("client-ca", TestPki.Alg.EC);
        TestPki.Issued admin = TestPki.client(clientCa, "system:admin", "system:masters", TestPki.Alg.EC);
        TestPki.Issued wrongName = TestPki.server(serverCa, "kube-apiserver", List.of("api.example.invalid"), List.of("192.0.2.10"), TestPki.Alg.EC);
        try (ReadyzServer impostor = new ReadyzServer(wrongName, clientCa)) {
            AdminAccess a = new AdminAccess(impostor.uri(), serverCa.certPem(), admin.certPem(), admin.keyPem());

            // Had the request got through, the server would have answered 404 (it serves /readyz only).
            assertThatThrownBy(() -> workload.bootstrap(a, CI))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("TLS failed").hasMessageNotContaining("404");
        }
        TestPki.Issued rightName = TestPki.server(serverCa, "kube-apiserver", List.of(), List.of("127.0.0.1"), TestPki.Alg.EC);
        try (ReadyzServer other = new ReadyzServer(rightName, clientCa)) {
            String notOurCa = TestPki.ca("another-ca", TestPki.Alg.EC).certPem();
            AdminAccess a = new AdminAccess(other.uri(), notOurCa, admin.certPem(), admin.keyPem());

            assertThatThrownBy(() -> workload.bootstrap(a, CI))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("TLS failed").hasMessageNotContaining("404");

            // The control: with the right CA the same server, which demands a client certificate of the client CA, lets the
            // admin certificate in and answers 404 to the namespace request.
            AdminAccess right = new AdminAccess(other.uri(), serverCa.certPem(), admin.certPem(), admin.keyPem());
            assertThatThrownBy(() -> workload.bootstrap(right, CI))
                    .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAVAILABLE))
                    .hasMessageContaining("HTTP 404").hasMessageNotContaining("TLS failed");
        }
    }

    @Test
    @DisplayName("refuses an account whose names Kubernetes would refuse, before calling the server")
    void badNames() {
        assertThatThrownBy(() -> workload.bootstrap(cluster.admin(), new CiAccount("Not_A_Namespace", "ci", "cluster-admin", "ci-token")))
                .isInstanceOfSatisfying(EphemeraException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID))
                .hasMessageContaining("Not_A_Namespace");
    }
}
