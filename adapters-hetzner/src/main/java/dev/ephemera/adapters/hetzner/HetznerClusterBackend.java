package dev.ephemera.adapters.hetzner;

import dev.ephemera.domain.cluster.BackendRef;
import dev.ephemera.domain.cluster.ClusterId;
import dev.ephemera.domain.cluster.ClusterSpec;
import dev.ephemera.domain.cluster.Endpoint;
import dev.ephemera.domain.cost.ServerPrice;
import dev.ephemera.domain.error.EphemeraException;
import dev.ephemera.domain.error.ErrorCode;
import dev.ephemera.domain.pki.PkiBundle;
import dev.ephemera.ports.backend.BackendTraits;
import dev.ephemera.ports.backend.ClusterBackend;
import dev.ephemera.ports.backend.Hibernation;
import dev.ephemera.ports.backend.Observation;
import dev.ephemera.ports.backend.OwnedResource;
import dev.ephemera.ports.backend.Pricing;
import dev.ephemera.ports.backend.ProvisionRequest;
import dev.ephemera.ports.spi.Health;
import dev.ephemera.retry.RetryPolicy;
import dev.ephemera.retry.Sleeper;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters as single Hetzner Cloud servers running K3s. The server is named after the cluster id
 * and labelled {@code ephemera.dev/cluster=<id>} and {@code ephemera.dev/installation=<installation>},
 * and every call starts by looking it up by those labels, so calls are idempotent and nothing
 * leaks unseen. The server boots with cloud-init user data that writes our PKI before K3s first
 * starts ({@link CloudInit}); no SSH is used. The API endpoint is
 * {@code https://<public IPv4>:<api-port>}; {@link Observation.State#RUNNING} only says the
 * server runs — whether K3s answers is for {@code /readyz} to tell.
 */
public final class HetznerClusterBackend implements ClusterBackend, Pricing, Hibernation {
    /** Hetzner Cloud states and bills every price in euros (its {@code GET /pricing} names the currency EUR). */
    static final String CURRENCY = "EUR";
    public static final String NAME = "hetzner";
    private static final Logger LOG = LoggerFactory.getLogger(HetznerClusterBackend.class);
    private static final int CREATE_ATTEMPTS = 3;

    private final HetznerSettings settings;
    private final HetznerClient client;
    private final HetznerClient healthClient;
    /** GET /server_types, read once per process when a price is first asked for (prices change rarely; a restart reads them again). */
    private volatile List<ServerType> catalogue;

    public HetznerClusterBackend(HetznerSettings settings, Clock clock, Sleeper sleeper) {
        this.settings = settings;
        HetznerClient.Options defaults = HetznerClient.Options.defaults();
        this.client = new HetznerClient(settings.apiUrl(), settings.token(), new HetznerClient.Options(defaults.connectTimeout(),
                settings.requestTimeout(), HetznerClient.Options.defaultRetry(settings.rateLimitMaxWait()), defaults.actionPoll(),
                defaults.maxResponseBytes()), clock, sleeper);
        // Health checks are quick: one attempt, no rate-limit wait.
        this.healthClient = new HetznerClient(settings.apiUrl(), settings.token(), new HetznerClient.Options(Duration.ofSeconds(3),
                Duration.ofSeconds(5), new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO), defaults.actionPoll(),
                defaults.maxResponseBytes()), clock, sleeper);
    }

    public HetznerClusterBackend(HetznerSettings settings) {
        this(settings, Clock.systemUTC(), Sleeper.SYSTEM);
    }

    /** The API client this backend uses, for callers that want prices or the catalogue. */
    public HetznerClient client() {
        return client;
    }

    /**
     * The price of the cluster's one server from {@code server_types[].prices}: its size or
     * {@code hetzner.server-type}, in its location or {@code hetzner.location}. The catalogue is
     * read once per process under the client's bounded retry; a failed read is not kept, so the
     * next call tries again.
     */
    @Override
    public Optional<ServerPrice> priceOf(ClusterSpec spec) {
        String type = spec.size().orElse(settings.serverType());
        String location = spec.location().orElse(settings.location());
        List<ServerType> types = catalogue;
        if (types == null) {
            types = client.serverTypes();
            catalogue = types;
        }
        return types.stream().filter(t -> t.name().equals(type)).findFirst().flatMap(t -> t.priceIn(location))
                .map(p -> new ServerPrice(type, location, CURRENCY, p.hourlyNet(), p.hourlyGross(), p.monthlyNet(), p.monthlyGross()));
    }

    @Override
    public BackendTraits traits() {
        return new BackendTraits(Optional.empty(), true);
    }

    @Override
    public BackendRef ensure(ProvisionRequest request) {
        ClusterId id = request.id();
        Map<String, String> labels = labelsFor(request);
        Optional<Server> existing = find(id);
        if (existing.isPresent()) {
            LOG.debug("hetzner server already exists: cluster={} server={} status={}", id, existing.get().id(), existing.get().status());
            return ref(existing.get());
        }
        PkiBundle pki = request.pki().orElseThrow(() -> EphemeraException.invalid("cluster " + id + ": the hetzner backend needs "
                + "the cluster's PKI bundle, so K3s trusts it from first boot"));
        String serverType = request.spec().size().orElse(settings.serverType());
        String location = request.spec().location().orElse(settings.location());
        String k3sVersion = request.spec().kubernetesVersion().orElse(settings.k3sVersion());
        preflight(id, serverType, location);
        List<String> sshKeys = resolveSshKeys();
        List<Long> firewalls = resolveFirewall();

        OptionalLong primaryIpId = OptionalLong.empty();
        List<String> sans = new ArrayList<>();
        dnsName(id).ifPresent(sans::add);
        request.dnsName().filter(n -> !sans.contains(n)).ifPresent(sans::add); // the DNS adapter's name (docs/dns.md)
        PrimaryIp madeIp = null;
        if (settings.primaryIp()) {
            Optional<PrimaryIp> known = client.primaryIps(Labels.clusterSelector(settings.installation(), id.value())).stream().findFirst();
            PrimaryIp ip = known.orElseGet(() -> createPrimaryIp(id, location, labels));
            if (known.isEmpty()) {
                madeIp = ip;
            }
            primaryIpId = OptionalLong.of(ip.id());
            if (!sans.contains(ip.ip())) {
                sans.add(ip.ip());
            }
        }
        // Hetzner assigns the address at creation (no lease pool); unless a primary IP fixed it, the server reads it at boot.
        UserData userData = CloudInit.userData(new CloudInit.Spec(id.value(), k3sVersion, pki, sans, settings.apiPort(), !settings.primaryIp(),
                settings.k3sInstaller()));
        CreateServerRequest create = new CreateServerRequest(id.value(), serverType, settings.image(), location, labels,
                userData.value(), sshKeys, firewalls, primaryIpId);
        LOG.info("creating hetzner server: cluster={} type={} location={} image={} k3s={} user_data_bytes={}", id, serverType,
                location, settings.image(), k3sVersion, userData.sentBytes());
        try {
            Server server = createOrAdopt(id, create);
            return ref(server);
        } catch (EphemeraException e) {
            if (madeIp != null) {
                releasePrimaryIp(madeIp);
            }
            throw e;
        }
    }

    /**
     * Creates the server and waits for the create action. A create whose answer was lost and that
     * the client retried answers {@code uniqueness_error}: the server exists, so it is looked up
     * by name and adopted when its labels say it is ours.
     */
    private Server createOrAdopt(ClusterId id, CreateServerRequest create) {
        for (int attempt = 1; ; attempt++) {
            try {
                CreatedServer created = client.createServer(create);
                client.awaitAction(created.action(), settings.actionTimeout(), "creating server " + id);
                return client.server(created.server().id()).orElse(created.server());
            } catch (HetznerApiException e) {
                if (!e.is("uniqueness_error")) {
                    throw e;
                }
                Optional<Server> named = client.serverByName(id.value());
                if (named.isPresent()) {
                    Server s = named.get();
                    if (id.value().equals(s.labels().get(Labels.CLUSTER)) && settings.installation().equals(s.labels().get(Labels.INSTALLATION))) {
                        LOG.info("hetzner server found after a lost create answer: cluster={} server={}", id, s.id());
                        return s;
                    }
                    throw new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + ": a server named " + id + " already exists in the "
                            + "Hetzner project (id " + s.id() + ", labels " + Labels.show(s.labels()) + ") and is not this installation's "
                            + "cluster (" + Labels.clusterSelector(settings.installation(), id.value()) + "): delete or rename that server, "
                            + "or choose another cluster id");
                }
                Optional<Server> labelled = find(id);
                if (labelled.isPresent()) {
                    return labelled.get();
                }
                if (attempt >= CREATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @Override
    public Observation observe(ClusterId id) {
        List<Server> servers = client.servers(Labels.clusterSelector(settings.installation(), id.value()));
        if (servers.isEmpty()) {
            return Observation.absent();
        }
        Server s = servers.stream().min(Comparator.comparingLong(Server::id)).orElseThrow();
        Observation.State state = switch (s.status()) {
            case "initializing", "starting", "migrating", "rebuilding" -> Observation.State.CREATING;
            case "running" -> Observation.State.RUNNING;
            case "deleting" -> Observation.State.DELETING;
            default -> Observation.State.FAILED;
        };
        Optional<Endpoint> endpoint = s.ipv4().map(ip -> new Endpoint(URI.create("https://" + ip + ":" + settings.apiPort()),
                dnsName(id), Optional.of(ip)));
        String detail = "server " + s.name() + " (id " + s.id() + ") is " + s.status() + ", " + s.serverType() + " in " + s.location()
                + (servers.size() > 1 ? "; " + servers.size() + " servers carry this cluster's labels" : "")
                + (state == Observation.State.FAILED ? "; it will not become ready by itself: delete the cluster and create it again" : "");
        return new Observation(state, endpoint, detail);
    }

    @Override
    public Optional<String> hibernationRefusal() {
        return settings.hibernation() ? Optional.empty() : Optional.of("hetzner bills powered-off servers, so hibernation is off;"
                + " set hetzner.hibernation: true to power idle members off anyway");
    }

    /** Powers the cluster's server off and waits for the action; a server already off is left alone. */
    @Override
    public void hibernate(ClusterId id) {
        requireHibernation();
        for (Server s : client.servers(Labels.clusterSelector(settings.installation(), id.value()))) {
            if ("running".equals(s.status())) {
                LOG.info("powering off hetzner server to hibernate: cluster={} server={}", id, s.id());
                client.awaitAction(client.powerOff(s.id()), settings.actionTimeout(), "powering off the server of cluster " + id);
            }
        }
    }

    /** Powers the cluster's server on and waits for the action; K3s then boots, which the caller watches through /readyz. */
    @Override
    public void resume(ClusterId id) {
        requireHibernation();
        List<Server> servers = client.servers(Labels.clusterSelector(settings.installation(), id.value()));
        if (servers.isEmpty()) {
            throw EphemeraException.notFound("cluster " + id + " has no Hetzner server to power on");
        }
        for (Server s : servers) {
            if ("off".equals(s.status())) {
                LOG.info("powering on hetzner server to resume: cluster={} server={}", id, s.id());
                client.awaitAction(client.powerOn(s.id()), settings.actionTimeout(), "powering on the server of cluster " + id);
            }
        }
    }

    private void requireHibernation() {
        hibernationRefusal().ifPresent(why -> {
            throw new EphemeraException(ErrorCode.CONFIGURATION, why);
        });
    }

    @Override
    public void destroy(ClusterId id) {
        String selector = Labels.clusterSelector(settings.installation(), id.value());
        List<Action> deletions = new ArrayList<>();
        for (Server s : client.servers(selector)) {
            LOG.info("deleting hetzner server: cluster={} server={}", id, s.id());
            client.deleteServer(s.id()).ifPresent(deletions::add);
        }
        for (Action a : deletions) {
            client.awaitAction(a, settings.actionTimeout(), "deleting the server of cluster " + id);
        }
        for (PrimaryIp ip : client.primaryIps(selector)) {
            LOG.info("deleting hetzner primary IP: cluster={} primary_ip={}", id, ip.id());
            client.deletePrimaryIp(ip.id());
        }
    }

    @Override
    public List<OwnedResource> owned() {
        String selector = Labels.installationSelector(settings.installation());
        List<OwnedResource> out = new ArrayList<>();
        for (Server s : client.servers(selector)) {
            out.add(new OwnedResource("hetzner-server", Long.toString(s.id()), Optional.ofNullable(s.labels().get(Labels.CLUSTER)),
                    "server " + s.name() + " (" + s.status() + ", " + s.serverType() + " in " + s.location() + ")"));
        }
        for (PrimaryIp ip : client.primaryIps(selector)) {
            out.add(new OwnedResource("hetzner-primary-ip", Long.toString(ip.id()), Optional.ofNullable(ip.labels().get(Labels.CLUSTER)),
                    "primary IP " + ip.ip() + (ip.assigneeId().isPresent() ? " assigned to server " + ip.assigneeId().getAsLong() : " (unassigned, billed)")));
        }
        return List.copyOf(out);
    }

    @Override
    public Health health() {
        try {
            return healthClient.location(settings.location())
                    .map(l -> Health.up("Hetzner API at " + settings.apiUrl() + " answers; location " + l.name() + " (" + l.city() + ")"))
                    .orElseGet(() -> Health.down("Hetzner API answers but location " + settings.location() + " does not exist"));
        } catch (RuntimeException e) {
            return Health.down("Hetzner API at " + settings.apiUrl() + ": " + e.getMessage());
        }
    }

    /** The labels of every resource of the cluster: the request's, then ours, which win. */
    Map<String, String> labelsFor(ProvisionRequest request) {
        Map<String, String> labels = new LinkedHashMap<>(request.spec().labels());
        labels.putAll(request.labels());
        String asked = labels.get(Labels.INSTALLATION);
        if (asked != null && !asked.equals(settings.installation())) {
            LOG.warn("installation label replaced by hetzner.installation: asked={} used={}", asked, settings.installation());
        }
        labels.put(Labels.CLUSTER, request.id().value());
        labels.put(Labels.INSTALLATION, settings.installation());
        labels.put(Labels.MANAGED_BY, "ephemera");
        return Labels.validate(labels);
    }

    private Optional<Server> find(ClusterId id) {
        return client.servers(Labels.clusterSelector(settings.installation(), id.value())).stream().min(Comparator.comparingLong(Server::id));
    }

    private Optional<String> dnsName(ClusterId id) {
        return settings.dnsZone().map(z -> id.value() + "." + z);
    }

    private static BackendRef ref(Server s) {
        return new BackendRef(NAME, Long.toString(s.id()));
    }

    /** Checks the type exists and is sold in the location, so a typo fails with the choices, not Hetzner's terse error. */
    private void preflight(ClusterId id, String serverType, String location) {
        Optional<ServerType> type = client.serverType(serverType);
        if (type.isEmpty()) {
            throw EphemeraException.invalid("cluster " + id + ": Hetzner has no server type '" + serverType + "'; types sold in "
                    + location + ": " + typesIn(location));
        }
        if (!type.get().availableIn(location)) {
            throw EphemeraException.invalid("cluster " + id + ": server type " + serverType + " is not sold in location " + location
                    + " (it is in " + String.join(", ", type.get().locations()) + "); types sold in " + location + ": " + typesIn(location));
        }
        type.get().priceIn(location).ifPresent(p -> LOG.info("hetzner server price: type={} location={} eur_per_hour_gross={} eur_per_month_gross={}",
                serverType, location, p.hourlyGross().stripTrailingZeros().toPlainString(), p.monthlyGross().stripTrailingZeros().toPlainString()));
    }

    private String typesIn(String location) {
        List<String> names = client.serverTypes().stream().filter(t -> !t.deprecated() && t.availableIn(location))
                .map(t -> t.name() + t.priceIn(location).map(p -> " (€" + p.hourlyGross().stripTrailingZeros().toPlainString() + "/h)").orElse(""))
                .collect(Collectors.toList());
        return names.isEmpty() ? "none (is the location right?)" : String.join(", ", names);
    }

    private List<String> resolveSshKeys() {
        List<String> names = new ArrayList<>();
        for (String key : settings.sshKeys()) {
            SshKey k = client.sshKey(key).orElseThrow(() -> EphemeraException.invalid("hetzner.ssh-keys names '" + key + "', but the "
                    + "project has no SSH key of that name: upload it (hcloud ssh-key create) or remove it from the setting"));
            names.add(k.name());
        }
        return names;
    }

    private List<Long> resolveFirewall() {
        if (settings.firewall().isEmpty()) {
            return List.of();
        }
        String f = settings.firewall().get();
        Optional<Firewall> fw = f.matches("\\d{1,18}") ? client.firewall(Long.parseLong(f)) : client.firewall(f);
        return List.of(fw.orElseThrow(() -> EphemeraException.invalid("hetzner.firewall names '" + f + "', but the project has no "
                + "firewall of that name or id: create it first (Ephemera does not manage firewall rules)")).id());
    }

    private PrimaryIp createPrimaryIp(ClusterId id, String location, Map<String, String> labels) {
        String name = id.value() + "-ipv4";
        try {
            return client.createPrimaryIpv4(name, location, labels);
        } catch (HetznerApiException e) {
            if (e.is("uniqueness_error")) {
                return client.primaryIpByName(name).filter(ip -> id.value().equals(ip.labels().get(Labels.CLUSTER)))
                        .orElseThrow(() -> new EphemeraException(ErrorCode.CONFLICT, "cluster " + id + ": a primary IP named " + name
                                + " exists and is not this cluster's; delete it or choose another cluster id"));
            }
            throw e;
        }
    }

    private void releasePrimaryIp(PrimaryIp ip) {
        try {
            client.deletePrimaryIp(ip.id());
        } catch (RuntimeException e) {
            LOG.warn("could not delete the primary IP made for a failed create; the reaper will find it by label: primary_ip={} error={}",
                    ip.id(), e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "HetznerClusterBackend[" + settings + "]";
    }
}
