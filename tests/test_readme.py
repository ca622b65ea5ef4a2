"""The README's snippets are what users copy: they must parse, run once, and say what lrlint says."""

from __future__ import annotations

import re

import pytest

from lrlint.cli import VERIFY_HINT
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def block_after(heading: str, lang: str) -> str:
    """The first ```lang block after a heading line."""
    start = README.index(heading)
    match = re.compile(rf"^```{lang}\n(.*?)^```", re.S | re.M).search(README, start)
    assert match is not None, heading
    return match.group(1)


def test_actions_workflow_is_valid_logs_the_findings_and_uploads_only_a_written_report() -> None:
    yaml = pytest.importorskip("yaml")  # PyYAML comes with pre-commit, a test dependency
    workflow = yaml.safe_load(block_after("### GitHub Actions with code scanning", "yaml"))
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on". Either way it must be there.
    triggers = workflow.get("on", workflow.get(True))
    assert triggers and "pull_request" in triggers
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    lints = [step for step in steps if re.match(r"lrlint\b", step.get("run", ""))]
    # One lint writes the SARIF report and lets findings pass; one prints them in the job log
    # (a human format, no -o) and is the gate: the job's last step, failing on findings.
    sarif, log = lints
    assert sarif["run"] == "lrlint --exit-zero --output-format sarif -o lrlint.sarif ."
    assert log["run"] == "lrlint --output-format full ." and steps[-1] is log and "if" not in log
    assert not any(step.get("continue-on-error") for step in steps)  # a usage error fails the job
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert steps.index(sarif) < steps.index(upload) < steps.index(log)
    # Uploaded whenever the report exists, never when a usage error wrote none.
    assert upload["if"] == "always() && hashFiles('lrlint.sarif') != ''"
    assert upload["with"]["sarif_file"] == "lrlint.sarif"
    install = next(step["run"] for step in steps if step.get("run", "").startswith("pip install"))
    assert "git+https://github.com/lrlint/lrlint@" in install  # not `pip install lrlint`
    assert job["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}


def test_sections_the_workflow_refers_to_come_in_that_order() -> None:
    workflow = block_after("### GitHub Actions with code scanning", "yaml")
    assert "as for pre-commit above" in workflow
    assert README.index("### pre-commit") < README.index("### GitHub Actions with code scanning")


def test_no_hand_written_list_of_codes_by_severity() -> None:
    """`fail-on = "error"` once listed 4 of the 10 error codes: the README names no such list."""
    start = README.index("`--fail-on error` (config key")
    paragraph = README[start : README.index("\n\n", start)]
    assert not re.search(r"\b(?:LR\d{3}|E9\d\d)\b", paragraph.split("When the reader")[0])


def test_every_input_code_is_named_where_rule_all_is_described() -> None:
    from lrlint.catalogue import input_codes

    start = README.index("`lrlint rule --all` lists the catalogue")
    sentence = README[start : README.index(".", README.index("documents too", start))]
    for code in input_codes():
        assert f"`{code}`" in sentence, code


def test_the_verify_extra_says_it_pulls_cuda_torch_and_how_to_get_the_cpu_wheel() -> None:
    start = README.index("The `[verify]` extra")
    text = README[start : README.index("## What it looks like")]
    assert "CUDA build" in text
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu\npip install 'lrlint[verify] @ git+" in text


def test_no_install_command_names_a_package_no_index_has() -> None:
    # `pip install lrlint` / `pip install 'lrlint[verify]'`: by name, from an index that lacks it.
    by_name = re.compile(r"pip install ['\"]?lrlint(\[\w+\])?['\"]?(?!\s*@)(\s|`|$)")
    offenders = [line for line in README.splitlines() if by_name.search(line) and "does not find it" not in line]
    assert offenders == []
    assert "pip install 'lrlint[verify] @ git+https://github.com/lrlint/lrlint@<commit-sha>'" in README


def test_the_hint_lrlint_prints_is_the_one_the_readme_shows() -> None:
    assert f"lrlint: error: {VERIFY_HINT}" in README
    assert "lrlint[verify]'" not in VERIFY_HINT and "pip install torch" in VERIFY_HINT


def test_pre_commit_rev_is_no_invented_tag() -> None:
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load(block_after("### pre-commit", "yaml"))
    (repo,) = config["repos"]
    assert repo["rev"] == "<full commit SHA>"  # a placeholder the text explains, not a made-up tag
    assert "40-character SHA" in README and "--bleeding-edge --freeze" in README
    assert repo["hooks"] == [{"id": "lrlint"}]
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
    assert "--quiet" in hook["entry"].split()  # the README explains why


def test_test_command_stays_and_the_cpu_route_is_documented() -> None:
    test_command = block_after("<!-- test-command -->", "sh")
    assert "pip install torch==2.13.0 && pip install -e '.[test]' && pytest -q" in test_command
    assert "download.pytorch.org" not in test_command  # .ci/run runs it here, from the local wheel
    assert "--index-url https://download.pytorch.org/whl/cpu" in README
    assert "resolves to the CUDA build" in README


def test_the_piped_demo_output_is_what_lrlint_prints() -> None:
    """The README's `lrlint fixtures/ | cat` block: its first lines and summary are today's output."""
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ lrlint fixtures/ | cat\n") + len("$ lrlint fixtures/ | cat\n")
    shown = readme[start : readme.index("```", start)].splitlines()
    proc = subprocess.run([sys.executable, "-m", "lrlint", "--no-cache", "fixtures/"], cwd=ROOT, capture_output=True, text=True)
    lines = proc.stdout.splitlines()
    head = shown[: shown.index("...")]
    assert lines[: len(head)] == head
    assert shown[-1] == lines[-1]
