"""Tests of the Feynman problem tables and selection: `python3 -m pytest bench/tests`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from physr_bench import feynman, runner  # noqa: E402


def test_tables_hold_120_problems_with_distinct_ids():
    problems = feynman.load_equations()
    ids = [p["id"] for p in problems]
    assert len(ids) == 120
    assert len(set(ids)) == 120
    assert sum(p["set"] == "bulk" for p in problems) == 100


def test_srbench_selection_leaves_out_its_four_problems():
    problems = feynman.load_equations()
    chosen = feynman.select(problems, "srbench")
    assert len(chosen) == 116
    left_out = {p["id"] for p in problems} - {p["id"] for p in chosen}
    assert left_out == set(feynman.SRBENCH_EXCLUDED)
    # Table order is kept.
    order = [p["id"] for p in problems if p["id"] not in left_out]
    assert [p["id"] for p in chosen] == order


def test_selection_by_ids_rejects_unknown_names():
    problems = feynman.load_equations()
    assert [p["id"] for p in feynman.select(problems, "II.3.24, I.6.2a")] == ["II.3.24", "I.6.2a"]
    try:
        feynman.select(problems, "I.6.2a,XI.1")
    except KeyError as e:
        assert "XI.1" in str(e)
    else:
        raise AssertionError("unknown id accepted")


if __name__ == "__main__":
    for name, fn in list(globals().items()):
        if name.startswith("test_"):
            fn()
    print("ok")


def test_results_file_of_another_version_is_rewritten_with_the_new_columns(tmp_path):
    path = str(tmp_path / "r.csv")
    old = runner.ResultsCsv(path, ["problem", "status", "gone"], ["problem"])
    old.append({"problem": "I.6.2a", "status": "ok", "gone": "x"})
    new = runner.ResultsCsv(path, ["problem", "status", "added"], ["problem"])
    new.append({"problem": "I.12.1", "status": "ok", "added": "y"})
    again = runner.ResultsCsv(path, ["problem", "status", "added"], ["problem"])
    assert [(r["problem"], r["added"], r["gone"]) for r in again.rows] == [
        ("I.6.2a", "", "x"), ("I.12.1", "y", "")]
    assert again.done_keys() == {("I.6.2a",), ("I.12.1",)}
