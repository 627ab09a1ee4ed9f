"""The documentation runs: docstring examples, the examples in docs/*.md, the generated
pages, the site.

* Every ``>>>`` example in the public modules' docstrings is run with doctest.
* Every ``>>>`` example inside a fenced ```python block of ``docs/*.md`` and README.md is
  run too, file by file with shared globals, so the guide cannot drift from the code.  A
  blank line inside a block's expected output counts as part of the output (doctest would
  otherwise end the output there), so generated code can be shown as it prints.
* ``docs/rules.md`` and the generated sections of ``docs/how-it-works.md`` must be what
  ``python -m srcad.docgen`` writes.
* ``mkdocs build --strict`` builds the site without a warning (broken links included).
"""

import doctest
import importlib
import inspect
import io
import pathlib
import pkgutil
import subprocess
import sys

import pytest

import srcad
import srcad.runtime
from srcad import docgen, pipeline, rules

ROOT = pathlib.Path(__file__).resolve().parent.parent
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE

MODULES = ["srcad", "srcad.api", "srcad.checking", "srcad.runtime"] + [
    f"srcad.runtime.{m.name}" for m in pkgutil.iter_modules(srcad.runtime.__path__)]

# Public functions still waiting for a runnable example in their docstring.  Remove a name
# when its example lands (the test fails until you do, so the list cannot go stale).
NO_EXAMPLE_YET = {"supported_functions"}


def _run(test: doctest.DocTest) -> tuple[doctest.TestResults, str]:
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    runner.run(test, out=out.write)
    return runner.summarize(verbose=False), out.getvalue()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    reports, failed = [], 0
    for test in doctest.DocTestFinder().find(module, name):
        result, report = _run(test)
        failed += result.failed
        reports.append(report)
    assert failed == 0, "".join(reports)


def test_public_functions_have_examples():
    finder = doctest.DocTestFinder(recurse=False)
    missing = sorted(
        name for name in srcad.__all__
        if inspect.isfunction(getattr(srcad, name))
        and not any(t.examples for t in finder.find(getattr(srcad, name), name)))
    assert set(missing) == NO_EXAMPLE_YET, (
        f"public functions without a docstring example: {missing}; add one (or, if it was "
        "just added, remove the name from NO_EXAMPLE_YET)")


def doctest_text(markdown: str) -> str:
    """The ``>>>`` sessions of fenced python blocks; other lines blanked to keep numbering."""
    lines = markdown.splitlines()
    out = [""] * len(lines)
    i = 0
    while i < len(lines):
        if lines[i].strip() not in ("```python", "```pycon"):
            i += 1
            continue
        end = i + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        block = range(i + 1, end)
        seen_prompt = False
        for k in block:
            line = lines[k]
            seen_prompt = seen_prompt or line.startswith(">>>")
            if line.strip() or not seen_prompt:
                out[k] = line
                continue
            following = next((lines[j] for j in range(k + 1, end) if lines[j].strip()), None)
            if following is not None and not following.startswith(">>>"):
                out[k] = "<BLANKLINE>"
        i = end + 1
    return "\n".join(out) + "\n"


DOC_FILES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_markdown_examples(path):
    text = doctest_text(path.read_text(encoding="utf-8"))
    globs = {"__name__": f"docs_{path.stem}"}
    test = doctest.DocTestParser().get_doctest(text, globs, path.name, str(path), 0)
    result, report = _run(test)
    assert result.failed == 0, report


def test_the_guide_has_examples():
    for name in ("index.md", "guide.md", "subset.md", "errors.md", "higher-order.md"):
        text = doctest_text((ROOT / "docs" / name).read_text(encoding="utf-8"))
        assert doctest.DocTestParser().get_examples(text), f"docs/{name} runs no example"


def test_rules_page_is_up_to_date():
    proc = subprocess.run([sys.executable, "-m", "srcad.docgen", "--check", "--only", "rules"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, (
        "docs/rules.md does not match the rules table in srcad/rules/.\n"
        "Regenerate it with:  python -m srcad.docgen   (then commit docs/rules.md)\n"
        f"{proc.stdout}{proc.stderr}")


def test_rules_page_names_every_rule_and_nondiff_function():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    missing = [n for n in srcad.supported_functions() if f"`{n}`" not in text
               and f"({n})" not in text]
    missing += [docgen.key_name(k) for k in rules.NONDIFF
                if f"`{docgen.key_name(k)}`" not in text.replace("\\|", "|")]
    assert not missing, f"docs/rules.md misses {missing}: run python -m srcad.docgen"


def test_docgen_check_reports_a_stale_file(tmp_path):
    stale = tmp_path / "rules.md"
    stale.write_text("# Derivative rules\n\nold\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "srcad.docgen", "--check", "--only", "rules",
                           "--output", str(stale)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "python -m srcad.docgen" in proc.stderr
    assert stale.read_text(encoding="utf-8") == "# Derivative rules\n\nold\n"
    proc = subprocess.run([sys.executable, "-m", "srcad.docgen", "--only", "rules",
                           "--output", str(stale)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and stale.read_text(encoding="utf-8").startswith("# Deriv")


def test_how_it_works_page_is_up_to_date():
    proc = subprocess.run([sys.executable, "-m", "srcad.docgen", "--check", "--only",
                           "walkthrough"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, (
        "the generated sections of docs/how-it-works.md do not match what the compiler does "
        "with docs/walkthrough.py.\n"
        "Regenerate them with:  python -m srcad.docgen   (then read the page's prose again: "
        "it describes the generated code, and commit docs/how-it-works.md)\n"
        f"{proc.stdout}{proc.stderr}")


def test_how_it_works_shows_every_step():
    text = (ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")
    sections = docgen.walkthrough_sections()
    for step in pipeline.MODES["rev"]:
        assert f"<!-- generated:{step.name} -->" in text, f"how-it-works.md lacks {step.name}"
        assert step.name in sections


def test_walkthrough_check_reports_a_stale_page(tmp_path):
    page = (ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")
    stale = tmp_path / "how-it-works.md"
    stale.write_text(page.replace("# --- after anf", "# --- after anf (old)"), encoding="utf-8")
    command = [sys.executable, "-m", "srcad.docgen", "--only", "walkthrough", "--walkthrough",
               str(stale)]
    proc = subprocess.run(command + ["--check"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 1 and "python -m srcad.docgen" in proc.stderr
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert stale.read_text(encoding="utf-8") == page


def test_walkthrough_sections_must_match_the_markers():
    with pytest.raises(ValueError, match="missing"):
        docgen.render_walkthrough("# How it works\n", {"anf": "code\n"})
    with pytest.raises(ValueError, match="not generated"):
        docgen.render_walkthrough("<!-- generated:nope -->\nx\n<!-- /generated -->\n", {})


def test_site_builds_strictly(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir",
                           str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}{proc.stderr}"
