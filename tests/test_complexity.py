"""No function of the project is above cyclomatic complexity 20 (radon's count), migrations
aside: a function that branches more than that is several functions."""

from pathlib import Path

from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("crawler", "jobs", "models", "reliefmap", "web", "bench")
LIMIT = 20


def test_no_function_is_above_complexity_20():
    too_complex = []
    for layer in LAYERS:
        for path in (ROOT / layer).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for block in cc_visit(path.read_text(encoding="utf-8")):
                if block.complexity > LIMIT:
                    too_complex.append(f"{path.relative_to(ROOT)}:{block.lineno} "
                                       f"{block.fullname} ({block.complexity})")
    assert too_complex == []
