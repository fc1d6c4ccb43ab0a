"""Packaging and gates: what the wheel ships, what the dev environment pins, what `make test` measures.

The faithful Cognito fake (tests/poolpatch_fake) is a test double built on moto:
it must never reach the wheel (nor the Lambda layer), yet tests, `make run` and the
benchmarks import it from the dev environment.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict[str, Any]:
    """pyproject.toml, parsed."""
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def make_recipe(target: str) -> str:
    """The recipe lines of one Makefile target."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)*)", makefile, re.MULTILINE)
    assert match, f"no target {target} in the Makefile"
    return match.group(1)


def test_the_wheel_ships_the_engine_and_never_the_cognito_fake() -> None:
    # Given pyproject's setuptools configuration
    setuptools = pyproject()["tool"]["setuptools"]
    # When its explicit package list and source folders are read
    packages, folders = setuptools["packages"], setuptools["package-dir"]
    # Then only the engine and the Lambda runtime go in, both from the layer's folder, every subpackage
    # of them (a package missing here is missing from `pip install .`: poolpatch.drift once was)
    assert isinstance(packages, list), "an explicit list, not a find directive that could pick up tests/"
    layer = ROOT / "layers" / "poolpatch"
    on_disk = sorted(
        ".".join(init.parent.relative_to(layer).parts) for init in layer.glob("poolpatch*/**/__init__.py")
    )
    assert sorted(packages) == on_disk
    assert {"poolpatch", "poolpatch.bundle", "poolpatch.drift", "poolpatch_lambda"} <= set(packages)
    assert not [p for p in packages if p.startswith("poolpatch_fake")]
    assert all(path.startswith("layers/poolpatch/") for path in folders.values())


def test_the_fake_is_importable_in_the_dev_environment() -> None:
    # Given the dev environment's import path (pytest's pythonpath; a .pth for make run and bench)
    import poolpatch_fake

    # When the fake's location and the install recipe are read
    location = Path(poolpatch_fake.__file__).resolve()
    install = make_recipe("$(STAMP)")
    # Then it comes from tests/, which make install also puts on the venv's path
    assert location.is_relative_to(ROOT / "tests" / "poolpatch_fake")
    assert "tests" in pyproject()["tool"]["pytest"]["ini_options"]["pythonpath"]
    assert "poolpatch-dev-tests.pth" in install
    assert '"$(CURDIR)/tests"' in install


def test_dev_and_lambda_extras_pin_what_the_layer_ships() -> None:
    # Given the layer's requirements and the project's dependencies
    shipped = {
        line.strip()
        for line in (ROOT / "layers" / "poolpatch" / "requirements.txt")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip() and not line.startswith("#")
    }
    project = pyproject()["project"]
    # When each extra is combined with the base dependencies
    for extra in ("dev", "lambda"):
        resolved = set(project["dependencies"]) | set(project["optional-dependencies"][extra])
        # Then every pin of the layer is there, identical
        assert shipped <= resolved, (extra, shipped - resolved)


def test_make_test_gates_on_engine_branch_coverage() -> None:
    # Given coverage's configuration and the test targets
    coverage = pyproject()["tool"]["coverage"]["run"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    # When the coverage arguments of each target are read
    gate = re.search(r"^COVERAGE_ARGS :=(.*)$", makefile, re.MULTILINE)
    # Then `make test` measures layers/ with branches and fails under 90 %, the partial targets do not
    assert coverage["source"] == ["layers/poolpatch"]
    assert coverage["branch"] is True
    assert gate
    assert gate.group(1).split() == [
        "--cov=layers/poolpatch",
        "--cov-branch",
        "--cov-report=term-missing:skip-covered",
        "--cov-fail-under=90",
    ]
    assert "$(COVERAGE_ARGS) $(PYTEST_ARGS)" in make_recipe("test")
    assert "COVERAGE_ARGS" not in make_recipe("test-unit") + make_recipe("test-integration")
    assert "pytest-cov" in " ".join(pyproject()["project"]["optional-dependencies"]["dev"])
