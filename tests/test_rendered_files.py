"""Every file of every option combination is well-formed, run or not.

The matrix runs the code; files nothing here can run (no Docker engine, no
Actions runner) are checked statically: the Dockerfile by hadolint (any finding
fails, info included), compose, the CI workflow and the Dependabot
configuration against their published schemas (check-jsonschema's vendored
copies, offline), the Kubernetes manifests against the Kubernetes schemas
(kubernetes-validate's bundled copies, strict: an unknown field fails), and
every project's uv.lock against its pyproject.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.projects import combination_id, generate, option_matrix, parse_every_file

COMBINATIONS = option_matrix()
BIN = Path(sys.executable).parent
SCHEMAS = {
    "vendor.compose-spec": "compose.yaml",
    "vendor.github-workflows": ".github/workflows/ci.yml",
    "vendor.dependabot": ".github/dependabot.yml",
}


def whitespace_problems(project: Path) -> list[str]:
    """What the project's own pre-commit hooks (end-of-file-fixer, trailing-whitespace)
    would change on its first commit: they cannot run here (they fetch from GitHub)."""
    found = []
    for path in sorted(project.rglob("*")):
        if not path.is_file() or ".git" in path.parts or path.suffix == ".png":
            continue
        text = path.read_text()
        name = path.relative_to(project)
        if text and (not text.endswith("\n") or text.endswith("\n\n")):
            found.append(f"{name}: not one newline at the end")
        found += [
            f"{name}:{n}: trailing whitespace"
            for n, line in enumerate(text.splitlines(), 1)
            if line != line.rstrip()
        ]
    return found


def tool(name: str, *args: str, cwd: Path) -> None:
    """Run one of the test environment's checkers in ``cwd``; fail with what it said."""
    result = subprocess.run([BIN / name, *args], cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, f"{name} {' '.join(args)}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize(
    ("framework", "answers"),
    COMBINATIONS,
    ids=[combination_id(framework, answers) for framework, answers in COMBINATIONS],
)
def test_every_file_parses(tmp_path, framework, answers):
    project = generate(tmp_path / "parsed", framework, **answers)
    checked = parse_every_file(project)
    assert whitespace_problems(project) == []
    tool("uv", "lock", "--check", "--offline", cwd=project)
    tool("hadolint", "Dockerfile", cwd=project)
    for schema, path in SCHEMAS.items():
        tool("check-jsonschema", "--builtin-schema", schema, path, cwd=project)
    manifests = sorted((project / "deploy" / "kubernetes").glob("*.yaml"))
    assert bool(manifests) == bool(answers.get("kubernetes")), manifests
    if manifests:
        tool("kubernetes-validate", "--strict", *map(str, manifests), cwd=project)
    workflow = yaml.safe_load((project / ".github" / "workflows" / "ci.yml").read_text())
    assert workflow["jobs"], "the CI workflow defines no job"
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    assert compose["services"], "compose.yaml defines no service"
    assert all(checked.values()), checked

    # The chosen database server runs beside the app in CI and in compose.
    images_of = {"postgresql": ("postgres",), "mysql": ("mariadb", "mysql")}
    wanted = images_of.get(str(answers["database"]))
    if wanted:
        ci_images = [
            service.get("image", "")
            for job in workflow["jobs"].values()
            for service in (job.get("services") or {}).values()
        ]
        compose_images = [service.get("image", "") for service in compose["services"].values()]
        for images in (ci_images, compose_images):
            assert any(name in found for name in wanted for found in images), images


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_the_longest_name_and_a_long_description_lint_clean(tmp_path, framework):
    """The name and the description, each at its longest, land in code and docstrings:
    wrapped there, never past the projects' 100 columns (ruff's E501)."""
    name = " ".join(["Acme"] * 16) + "s"
    assert len(name) == 80  # the longest copier.yml accepts
    description = " ".join(["A description that goes on"] * 12)[:300]
    assert len(description) == 300  # the longest copier.yml accepts
    project = generate(
        tmp_path / "long",
        framework,
        project_name=name,
        project_slug="acme",
        description=description,
    )
    tool("ruff", "check", ".", cwd=project)
    tool("ruff", "format", "--check", ".", cwd=project)


def manifests(project: Path) -> dict[str, dict]:
    """The project's Kubernetes objects by ``kind/name``."""
    found = {}
    for path in sorted((project / "deploy" / "kubernetes").glob("*.yaml")):
        for item in yaml.safe_load_all(path.read_text()):
            found[f"{item['kind']}/{item['metadata']['name']}"] = item
    return found


def pods(objects: dict[str, dict]) -> dict[str, dict]:
    return {
        key: item["spec"]["template"]["spec"]
        for key, item in objects.items()
        if item["kind"] in ("Deployment", "Job")
    }


@pytest.mark.parametrize(
    ("framework", "database", "release"),
    [
        ("flask", "postgresql", ["flask", "release"]),
        ("django", "sqlite", ["python", "manage.py", "release"]),
    ],
)
def test_kubernetes_manifests_run_the_project_as_one_service(
    tmp_path, framework, database, release
):
    project = generate(
        tmp_path / "my_shop", framework, database=database, celery=True, kubernetes=True
    )
    objects = manifests(project)
    compose = yaml.safe_load((project / "compose.yaml").read_text())
    web = objects["Deployment/my-shop"]["spec"]
    container = web["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"] and container["resources"]["limits"]
    # Every pod: the image's uid, nothing writable but its volumes, /tmp among them.
    for key, pod in pods(objects).items():
        assert (
            pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["runAsUser"] == 10001
        )
        tmp = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for each in pod.get("initContainers", []) + pod["containers"]:
            assert each["image"] == "my-shop:latest", key
            assert each["securityContext"]["readOnlyRootFilesystem"] is True, key
            assert each["securityContext"]["allowPrivilegeEscalation"] is False, key
            assert {m["name"] for m in each["volumeMounts"] if m["mountPath"] == "/tmp"} <= tmp
            sources = {next(iter(s)): next(iter(s.values()))["name"] for s in each["envFrom"]}
            assert f"ConfigMap/{sources['configMapRef']}" in objects, key
            assert sources["secretRef"] == "my-shop-secrets", key
    # The Secret is only named: no manifest holds a secret value.
    assert not [key for key in objects if key.startswith("Secret/")]
    config = objects["ConfigMap/my-shop-config"]["data"]
    assert not [name for name in config if "SECRET" in name or "PASSWORD" in name]
    # The proxy count is the Ingress controller, and the wiring holds together.
    assert config["TRUSTED_PROXIES" if framework == "flask" else "DJANGO_TRUSTED_PROXIES"] == "1"
    service = objects["Service/my-shop"]["spec"]
    assert service["selector"].items() <= web["template"]["metadata"]["labels"].items()
    backend = objects["Ingress/my-shop"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]
    assert backend["service"]["name"] == "my-shop"
    # Celery: workers probed through the broker as compose does; beat one replica, Recreate.
    worker = objects["Deployment/my-shop-worker"]["spec"]["template"]["spec"]["containers"][0]
    compose_probe = compose["services"]["worker"]["healthcheck"]["test"][1]
    assert (
        "inspect ping" in compose_probe
        and "inspect ping" in worker["livenessProbe"]["exec"]["command"][2]
    )
    beat = objects["Deployment/my-shop-beat"]["spec"]
    assert beat["replicas"] == 1 and beat["strategy"]["type"] == "Recreate"
    assert beat["template"]["spec"]["containers"][0]["command"][3] == "beat"
    if database == "sqlite":
        # One file on one volume: one replica, its release step first, no autoscaler.
        assert web["replicas"] == 1 and web["strategy"]["type"] == "Recreate"
        assert web["template"]["spec"]["initContainers"][0]["command"] == release
        assert "PersistentVolumeClaim/my-shop-data" in objects
        assert not [key for key in objects if key.startswith(("Job/", "HorizontalPodAutoscaler/"))]
    else:
        assert web["replicas"] >= 2 and "initContainers" not in web["template"]["spec"]
        job = objects["Job/my-shop-release"]["spec"]["template"]["spec"]
        assert (
            job["containers"][0]["command"] == release == compose["services"]["release"]["command"]
        )
        target = objects["HorizontalPodAutoscaler/my-shop"]["spec"]["scaleTargetRef"]
        assert (target["kind"], target["name"]) == ("Deployment", "my-shop")


def test_kubernetes_validate_rejects_what_the_schemas_do_not_know(tmp_path):
    """The check the matrix relies on has teeth: a field no schema has fails it."""
    project = generate(tmp_path / "strict", "flask", kubernetes=True)
    path = project / "deploy" / "kubernetes" / "service.yaml"
    tool("kubernetes-validate", "--strict", str(path), cwd=project)
    path.write_text(path.read_text().replace("  type: ClusterIP", "  type: ClusterIP\n  bogus: 1"))
    result = subprocess.run(
        [BIN / "kubernetes-validate", "--strict", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 1 and "bogus" in result.stdout + result.stderr
