"""The import contracts of pyproject.toml ([tool.importlinter]): the code keeps them, and they catch
an import that breaks them."""

import shutil
import subprocess
import sys
from copy import deepcopy
from pathlib import Path

import grimp
import pytest
from django.conf import settings
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
CONFIGURATION = read_configuration(str(ROOT / "pyproject.toml"))
ROOT_PACKAGES = CONFIGURATION["session_options"]["root_packages"]


def contract(contract_id):
    """The contract of pyproject.toml with this id, to check against a graph of our choosing."""
    options = next(c for c in CONFIGURATION["contracts_options"] if c["id"] == contract_id)
    contract_class = {"layers": LayersContract, "acyclic_siblings": AcyclicSiblingsContract}[options["type"]]
    return contract_class(
        name=options["name"], session_options=CONFIGURATION["session_options"], contract_options=options
    )


def broken_layers(graph):
    """(lower, higher) for each pair of layers where the lower one imports the higher one."""
    check = contract("layers").check(deepcopy(graph), verbose=False)
    return {(chain["importer"], chain["imported"]) for chain in check.metadata["invalid_dependencies"]}


def packages_with_cycles(graph):
    check = contract("acyclic").check(deepcopy(graph), verbose=False)
    return set(check.metadata["cycle_breakers_by_package"])


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)


def with_import(graph, importer, imported):
    graph = deepcopy(graph)
    graph.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    return graph


def test_the_code_keeps_its_import_contracts():
    lint_imports = shutil.which("lint-imports", path=Path(sys.executable).parent)
    result = subprocess.run(
        [lint_imports, "--no-cache", "--no-logo"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_app_of_ours_is_checked():
    local_apps = set(settings.INSTALLED_APPS) & {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert local_apps <= set(ROOT_PACKAGES)
    layered = {tail.name for layer in contract("layers").layers for tail in layer.module_tails}
    assert set(ROOT_PACKAGES) - {"clinic"} <= layered


@pytest.mark.parametrize(
    ("importer", "imported", "broken"),
    [
        ("patients.models", "web.urls", ("patients", "web")),  # the ground floor reaches an interface
        ("api.urls", "web.urls", ("api", "web")),  # one interface uses another
        ("clinic.http", "patients.models", ("clinic.http", "patients")),  # the plumbing knows an app
    ],
)
def test_an_import_against_the_layers_breaks_them(graph, importer, imported, broken):
    assert broken not in broken_layers(graph)
    assert broken in broken_layers(with_import(graph, importer, imported))


def test_an_import_cycle_inside_an_app_breaks_the_acyclic_contract(graph):
    assert graph.direct_import_exists(importer="patients.services", imported="patients.models")
    assert "patients" not in packages_with_cycles(graph)
    assert "patients" in packages_with_cycles(with_import(graph, "patients.models", "patients.services"))
