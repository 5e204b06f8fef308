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
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert spec["automountServiceAccountToken"] is False, name
        for c in spec["containers"]:
            assert "readinessProbe" in c and "livenessProbe" in c, name
            for kind in ("requests", "limits"):
                assert set(c["resources"][kind]) == {"cpu", "memory"}, (name, kind)
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, name
            assert sc["capabilities"]["drop"] == ["ALL"], name
            assert sc["readOnlyRootFilesystem"] is True, name


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
    assert gateway["readinessProbe"]["httpGet"]["path"] == "/healthz"
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


def _selected(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return all(labels.get(k) == v for k, v in wanted.items())


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
            name in ("coordinator", "assistant", "writer")
        ), name
    gw = named(docs, "NetworkPolicy", "gateway-ingress")["spec"]["ingress"][0]
    assert gw["ports"] == [{"protocol": "TCP", "port": 8000}]


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
