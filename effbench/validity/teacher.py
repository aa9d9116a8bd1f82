"""No method above its own dense teacher without a control that explains it.

Every method and student on a text task starts from, or distils from, the shared dense model. A
method significantly above that teacher says the teacher was not finished, not that pruning
helps, unless `dense_continued` (the teacher trained as long again as the methods are) reaches
the same place. Two checks:
  teacher_ceiling   per method row: significantly above dense (a paired test on the same examples:
                    the table's own vs-dense p where it has one, else the saved predictions, else
                    the row's CI above dense's point) -> fail without a control, a finding when the
                    control explains it (the control not significantly below the method)
  control_present   per task where a method trains longer than dense (init: dense): a dense_continued run
"""
from __future__ import annotations

from . import layout
from .core import record
from .preds import paired, row_correct

P_COLUMNS = (("vs_dense_p_mcnemar", "vs_dense_delta_pp", 100.0),      # AD-TP methods
             ("p_vs_dense", "delta_acc_pp", 100.0))                   # frontier (against the SDPA dense row)


def above(run, table, frame, name, acc, row, ref_name, ref_acc) -> tuple[bool, dict]:
    """Is row `name` significantly above row `ref_name` of the same table? (decision, numbers)"""
    alpha = run.alpha
    if ref_name == "dense":
        for p_col, d_col, scale in P_COLUMNS:
            p, d = row.get(p_col), row.get(d_col)
            if p is not None and p == p and d is not None and d == d:
                return bool(p < alpha and d > 0), {"delta": d / scale, "p_value": float(p), "test": p_col}
    a = row_correct(run, table, name, row)
    ref_rows = [r for n, _, r in layout.rows(frame, table) if n == ref_name]
    b = row_correct(run, table, ref_name, ref_rows[0]) if ref_rows else None
    if a is not None and b is not None and a[0].shape == b[0].shape and (a[0] == b[0]).all():
        t = paired(a[1], b[1], alpha=alpha)
        return bool(t["lower_one_sided"] > 0), {"delta": t["delta"], "p_value": t["p_value"],
                                                 "ci_low": t["ci_low"], "ci_high": t["ci_high"],
                                                 "test": "paired bootstrap (saved predictions)"}
    lo = row.get(table.accuracy + "_ci_low")
    if lo is not None and lo == lo:
        from .core import fraction
        lo = fraction(lo, table.accuracy)
        return bool(lo > ref_acc), {"delta": acc - ref_acc, "ci_low_row": lo, "test": "row CI vs reference point"}
    return False, {"delta": acc - ref_acc, "test": "none (no interval, no predictions)"}


def check(run) -> list[dict]:
    out = []
    for task in layout.text_tasks(run.config):
        tables = layout.tables(run.config, task)
        controls = {}
        for table in tables + layout.extra_tables(run.config, task):
            frame = run.csv(table.artefact)
            acc = None if frame is None else layout.accuracy(frame, table, layout.CONTROL)
            if acc is not None:
                controls[table.artefact] = acc
        for table in tables:
            frame = run.csv(table.artefact)
            dense = None if frame is None else layout.accuracy(frame, table, "dense")
            if dense is None:
                continue
            for name, acc, row in layout.rows(frame, table):
                if not layout.is_method(name):
                    continue
                hi, nums = above(run, table, frame, name, acc, row, "dense", dense)
                nums = {"accuracy": acc, "dense_accuracy": dense, **nums}
                if not hi:
                    out.append(record("teacher_ceiling", table.study, task, table.artefact, name, "pass",
                                      f"{acc:.3f} not significantly above its dense teacher ({dense:.3f})", nums))
                    continue
                out.append(_explained(run, table, frame, name, acc, row, dense, nums, controls))
    return out + control_present(run)


def _explained(run, table, frame, name, acc, row, dense, nums, controls) -> dict:
    gain = f"{100 * (acc - dense):+.1f} pp above its dense teacher ({dense:.3f}, {nums['test']})"
    if not controls:
        return record("teacher_ceiling", table.study, table.task, table.artefact, name, "fail",
                      f"{acc:.3f}, {gain}, and no dense_continued control on this task: the teacher was not "
                      "finished, or the method is scored on other terms", nums)
    ctrl_acc = controls.get(table.artefact)
    if ctrl_acc is not None:
        still, extra = above(run, table, frame, name, acc, row, layout.CONTROL, ctrl_acc)
    else:       # the control lives in another table of the task (a paired test needs the same examples)
        ctrl_acc = max(controls.values())
        still, extra = acc > ctrl_acc, {"test": "point (control in another table)"}
    nums = {**nums, "control_accuracy": ctrl_acc, "control_test": extra.get("test"),
            "control_p_value": extra.get("p_value")}
    if still:
        return record("teacher_ceiling", table.study, table.task, table.artefact, name, "fail",
                      f"{acc:.3f}, {gain}, and significantly above dense_continued ({ctrl_acc:.3f}) too: "
                      "the control does not explain it", nums)
    return record("teacher_ceiling", table.study, table.task, table.artefact, name, "finding",
                  f"{acc:.3f}, {gain}; dense_continued reaches {ctrl_acc:.3f}: training length, not the method, "
                  "explains the gain", nums)


def control_present(run) -> list[dict]:
    """Where a study starts its methods from the dense model and trains them further, its task needs
    the control; it may come from either study on that task."""
    cfg, out = run.config, []
    for task in layout.text_tasks(cfg):
        longer = [s for s in ("eat", "adtp") if task in (cfg[s]["tasks"] if s == "eat" else cfg[s]["run_tasks"])
                  and cfg[s].get("init") == "dense"]
        if not longer:
            continue
        found = [t.artefact for t in layout.tables(cfg, task) + layout.extra_tables(cfg, task)
                 if run.csv(t.artefact) is not None and layout.accuracy(run.csv(t.artefact), t, layout.CONTROL) is not None]
        guards = [t.artefact for t in layout.tables(cfg, task)]
        home = next((t.artefact for t in layout.tables(cfg, task) if t.study in longer), guards[0])
        status = "pass" if found else "fail"
        msg = (f"dense_continued in {', '.join(found)}" if found else
               f"{' and '.join(longer)} train longer than dense on this task (init: dense) and no table has a "
               "dense_continued row: a gain over dense cannot be told from more training")
        out.append(record("control_present", "/".join(longer), task, home, "dense_continued",
                          status, msg, {"studies": longer}, guards))
    return out
