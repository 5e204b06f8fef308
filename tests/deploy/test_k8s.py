"""The Kubernetes manifests: both overlays render with kustomize, every object
validates against the Kubernetes 1.33 schemas, and the properties the deployment
promises hold on the rendered objects."""

import re
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.render import (
    AGENTS,
    K8S,
    KUBERNETES_VERSION,
    OVERLAYS,
    ROOT,
    SERVICES,
    named,
    of_kind,
    rendered,
)

WORKLOADS = ("Deployment", "StatefulSet")
# What the python agent's sandbox needs to give each run its own network namespace as
# "nobody" (services/agents/python/README.md), and nothing more.
SANDBOX = "python"
SANDBOX_CAPABILITIES = ["SYS_ADMIN", "SETUID", "SETGID", "CHOWN", "KILL", "DAC_OVERRIDE"]


def pod_specs(overlay: str) -> list[tuple[str, dict[str, Any]]]:
    docs = rendered(overlay)
    return [
        (d["metadata"]["name"], d["spec"]["template"]["spec"])
        for kind in WORKLOADS
        for d in of_kind(docs, kind)
    ]


def config(overlay: str, name: str) -> dict[str, str]:
    data: dict[str, str] = named(rendered(overlay), "ConfigMap", name)["data"]
    return data


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_validates_against_the_kubernetes_schemas(overlay: str) -> None:
    docs = rendered(overlay)
    assert len(docs) > 25
    for doc in docs:
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_probes_limits_and_a_locked_down_security_context(
    overlay: str,
) -> None:
    for name, spec in pod_specs(overlay):
        # Only the sandbox runs as root, to hand each program to "nobody".
        assert spec["securityContext"]["runAsNonRoot"] is (name != SANDBOX), name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            assert "readinessProbe" in c and "livenessProbe" in c, name
            for kind in ("requests", "limits"):
                assert set(c["resources"][kind]) == {"cpu", "memory"}, (name, kind)
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert sc["capabilities"].get("add", []) == (
                SANDBOX_CAPABILITIES if name == SANDBOX else []
            ), name
            assert sc["readOnlyRootFilesystem"] is True, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_python_agent_runs_code_only_isolated_and_its_runs_cannot_read_its_credentials(
    overlay: str,
) -> None:
    spec = named(rendered(overlay), "Deployment", SANDBOX)["spec"]["template"]["spec"]
    assert spec["securityContext"]["runAsUser"] == 0 and "fsGroup" not in spec["securityContext"]
    (c,) = spec["containers"]
    env = {e["name"]: e.get("value") for e in c["env"]}
    assert env["IOA_PYTHON_REQUIRE_ISOLATION"] == "true"  # no namespace, no runs
    (creds,) = [v["secret"] for v in spec["volumes"] if "secret" in v]
    assert creds["defaultMode"] == 0o400  # root's alone: a run is "nobody"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_services_and_agents_run_the_one_image_with_its_health_probe(overlay: str) -> None:
    docs = rendered(overlay)
    image = named(docs, "Deployment", "registry")["spec"]["template"]["spec"]["containers"][0][
        "image"
    ]
    for name in SERVICES + AGENTS:
        spec = named(docs, "Deployment", name)["spec"]["template"]["spec"]
        (c,) = spec["containers"]
        assert c["image"] == image
        assert c["args"] == (["serve", name] if name in SERVICES else ["agent", "run", name])
        if name != "gateway":
            assert c["readinessProbe"]["exec"]["command"] == ["ioa", "health", name]
            # Liveness must not restart a process because NATS or the registry is down.
            assert c["livenessProbe"]["exec"]["command"] == ["ioa", "health", name, "--live"]
        # Graceful shutdown fits in the grace period: the inbox waits up to 8 s for
        # the message in hand, the gateway 5 s (preStop) + 15 s for open requests.
        assert spec["terminationGracePeriodSeconds"] >= 30
    gateway = named(docs, "Deployment", "gateway")["spec"]["template"]["spec"]["containers"][0]
    # Ready means serving: the gateway's NATS and key database, and each NATS service's
    # own instance (the file it writes once it serves), not any replica.
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/readyz"
    config = next(
        d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].startswith("ioa-config")
    )
    assert config["data"]["IOA_INSTANCE_FILE"].startswith("/tmp/")
    assert gateway["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_nats_is_a_three_node_jetstream_cluster_on_persistent_volumes(overlay: str) -> None:
    docs = rendered(overlay)
    sts = named(docs, "StatefulSet", "nats")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["serviceName"] == "nats-headless"
    (claim,) = sts["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    (c,) = sts["spec"]["template"]["spec"]["containers"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert ports == {"client": 4222, "cluster": 6222, "monitor": 8222, "leafnodes": 7422}
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert c[probe]["httpGet"]["port"] == "monitor"
    assert "ldm=" in " ".join(c["lifecycle"]["preStop"]["exec"]["command"])
    conf = config(overlay, "nats-config")["nats.conf"]
    routes = re.findall(r"nats://(nats-\d)\.nats-headless:6222", conf)
    assert routes == ["nats-0", "nats-1", "nats-2"]
    assert "jetstream" in conf and "store_dir: /data/jetstream" in conf
    assert named(docs, "Service", "nats-headless")["spec"]["clusterIP"] == "None"
    assert named(docs, "PodDisruptionBudget", "nats")["spec"]["maxUnavailable"] == 1


def test_prod_creates_streams_with_three_replicas_and_dev_gets_telemetry_and_postgres() -> None:
    assert config("prod", "ioa-config")["IOA_STREAM_REPLICAS"] == "3"
    prod, dev = rendered("prod"), rendered("dev")
    for name in ("chat", "coordinator"):
        (c,) = named(prod, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert {
            "configMapRef": {"name": named(prod, "ConfigMap", "ioa-config")["metadata"]["name"]}
        } in c["envFrom"]
    assert config("dev", "ioa-config")["IOA_OTLP_ENDPOINT"] == "http://otel-collector:4318"
    for name in ("otel-collector", "jaeger"):
        named(dev, "Deployment", name)
        with pytest.raises(KeyError):
            named(prod, "Deployment", name)
    named(dev, "StatefulSet", "postgres")
    assert not of_kind(prod, "Secret"), "prod secrets are created outside git"
    with pytest.raises(KeyError):
        named(prod, "ConfigMap", "ioa-admission")  # it comes from `ioa auth init`, too
    assert {s["metadata"]["name"].rsplit("-", 1)[0] for s in of_kind(dev, "Secret")} >= {
        "ioa-nats-auth",
        "ioa-database",
    }


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_workload_has_a_disruption_budget_and_stateless_services_autoscale(
    overlay: str,
) -> None:
    docs = rendered(overlay)
    budgets = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in of_kind(docs, "PodDisruptionBudget")
    }
    for kind in WORKLOADS:
        for d in of_kind(docs, kind):
            if d["metadata"]["labels"].get("app.kubernetes.io/component") == "telemetry":
                continue  # dev-only tools
            assert d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] in budgets
    scaled = {h["spec"]["scaleTargetRef"]["name"] for h in of_kind(docs, "HorizontalPodAutoscaler")}
    assert scaled == set(SERVICES)
    for name in SERVICES:
        assert named(docs, "PodDisruptionBudget", name)["spec"]["minAvailable"] == 1


def _matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    assert "matchExpressions" not in selector  # not evaluated here
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _selected(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    return _matches(policy["spec"]["podSelector"], labels)


def allowed(
    policies: list[dict[str, Any]],
    direction: str,
    pod: dict[str, str],
    peer: dict[str, str],
    port: int,
) -> bool:
    """Whether a NetworkPolicy lets the pod labelled ``pod`` send to (Egress) or take
    from (Ingress) a pod of the same namespace labelled ``peer`` on TCP ``port``."""
    rules, peers = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    for policy in policies:
        spec = policy["spec"]
        if direction not in spec["policyTypes"] or not _matches(spec["podSelector"], pod):
            continue
        for rule in spec.get(rules, []):
            peer_ok = peers not in rule or any(
                "podSelector" in p
                and "namespaceSelector" not in p
                and _matches(p["podSelector"], peer)
                for p in rule[peers]
            )
            port_ok = "ports" not in rule or any(
                p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in rule["ports"]
            )
            if peer_ok and port_ok:
                return True
    return False


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_network_policies_deny_by_default_and_open_only_the_needed_paths(overlay: str) -> None:
    docs = rendered(overlay)
    policies = of_kind(docs, "NetworkPolicy")
    deny = named(docs, "NetworkPolicy", "default-deny")
    assert deny["spec"]["podSelector"] == {} and "ingress" not in deny["spec"]
    assert set(deny["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    for kind in WORKLOADS:
        for d in of_kind(docs, kind):
            labels = d["spec"]["template"]["metadata"]["labels"]
            opened = [
                p["metadata"]["name"]
                for p in policies
                if p["spec"]["podSelector"] and _selected(p, labels)
            ]
            assert opened, f"{d['metadata']['name']} can talk to nothing"
    nats = named(docs, "NetworkPolicy", "nats")["spec"]["ingress"]
    assert nats[0]["from"] == [{"podSelector": {"matchLabels": {"ioa.dev/nats-client": "true"}}}]
    assert nats[0]["ports"] == [{"protocol": "TCP", "port": 4222}]
    for name in SERVICES + AGENTS:
        labels = named(docs, "Deployment", name)["spec"]["template"]["metadata"]["labels"]
        assert labels["ioa.dev/nats-client"] == "true"
        assert (labels.get("ioa.dev/database-client") == "true") == (
            name in ("registry", "gateway")
        ), name
        assert (labels.get("ioa.dev/llm-client") == "true") == (
            name in ("coordinator", "assistant", "writer", "docs")
        ), name
    gw = named(docs, "NetworkPolicy", "gateway-ingress")["spec"]["ingress"][0]
    assert gw["ports"] == [{"protocol": "TCP", "port": 8000}]


def test_in_dev_every_process_reaches_the_collector_over_otlp_and_the_collector_jaeger() -> None:
    docs = rendered("dev")
    policies = of_kind(docs, "NetworkPolicy")

    def labels(name: str) -> dict[str, str]:
        found: dict[str, str] = named(docs, "Deployment", name)["spec"]["template"]["metadata"][
            "labels"
        ]
        return found

    collector, jaeger = labels("otel-collector"), labels("jaeger")
    config = named(docs, "ConfigMap", "ioa-config")["metadata"]["name"]
    exporters = [
        d
        for kind in WORKLOADS
        for d in of_kind(docs, kind)
        if {"configMapRef": {"name": config}}
        in d["spec"]["template"]["spec"]["containers"][0].get("envFrom", [])
    ]
    assert {d["metadata"]["name"] for d in exporters} == set(SERVICES + AGENTS)
    for d in exporters:  # IOA_OTLP_ENDPOINT=http://otel-collector:4318 from ioa-config
        pod = d["spec"]["template"]["metadata"]["labels"]
        name = d["metadata"]["name"]
        assert allowed(policies, "Egress", pod, collector, 4318), name
        assert allowed(policies, "Ingress", collector, pod, 4318), name
    assert allowed(policies, "Egress", collector, jaeger, 4317)
    assert allowed(policies, "Ingress", jaeger, collector, 4317)
    # And not everything is open: the collector takes nothing from Jaeger.
    assert not allowed(policies, "Ingress", collector, jaeger, 4318)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_gateway_is_reachable_through_an_ingress(overlay: str) -> None:
    docs = rendered(overlay)
    ingress = named(docs, "Ingress", "gateway")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "gateway", "port": {"name": "http"}}
    service = named(docs, "Service", "gateway")
    assert service["spec"]["ports"][0]["targetPort"] == "http"


def test_the_dev_overlay_collector_config_is_the_one_compose_uses() -> None:
    shared = (ROOT / "deploy" / "otel-collector.yaml").read_text()
    assert (K8S / "overlays" / "dev" / "otel-collector.yaml").read_text() == shared
