"""The validity stage: the floors every result rests on, checked on the studies' artefacts.

Validity is its own stage, not a check inside each study: a study never decides on its own that
its baseline is fine. One module per kind of floor, each a pure function of one run's artefacts
returning records (effbench.validity.core):

  floors       majority class and bag of words under every text task's dense model; both rows in every table
  baselines    every baseline row above the majority-class rate, or flagged 'degenerate: predicts one class'
  teacher      no method above its own dense teacher without the dense_continued control that explains it
  examples     every row of a table, and every page showing one model, scored on the same examples
  training     dense text models, the dense ViT and EntropyNet converged
  pixels       the dense ViT above a logistic regression on raw pixels
  precision    every run of a text task trained in one precision (compute.precision, as resolved per job)
  ceilings     the synthetic models beside their Bayes ceiling
  adaptive     a learned ratio predictor whose output does not vary is not adaptive
  intervals    no zero-width interval, none outside its metric's range, the project's own bootstrap

Validity is not the same as findings: the checks guard baselines, training and intervals and must
pass (at the default and paper scales a failure fails the run); a finding (a collapsed predictor,
a method on the majority rate) is reported, never tuned away. No torch: the rule starts in a second.
"""
from __future__ import annotations

from pathlib import Path

from . import adaptive, baselines, ceilings, examples, floors, intervals, pixels, precision, teacher, training
from .core import FAILING_SCALES, STATUSES, Run, record  # noqa: F401

# check name -> the function that produces its records (one function may produce several names)
CHECKS = (
    floors.floor_checks,            # majority_floor, bow_floor
    floors.floor_row_checks,        # floor_rows
    baselines.check,                # baseline_floor, method_floor
    teacher.check,                  # teacher_ceiling, control_present
    examples.same_examples,         # same_examples
    examples.same_dense_score,      # same_dense_score
    precision.check,                # same_precision
    training.dense_converged,       # dense_converged
    training.dense_continued_gain,  # dense_continued_gain
    training.vit_converged,         # vit_converged
    training.entropynet_converged,  # entropynet_converged
    pixels.check,                   # vit_pixel_floor
    ceilings.check,                 # synthetic_bayes_ceiling
    adaptive.check,                 # ratio_predictor_varies
    intervals.check,                # interval_width, interval_range, interval_estimate, interval_method
)


def run_checks(root, config: dict) -> list[dict]:
    """Every record of every check on the run under `root`."""
    run = Run(Path(root), config)
    out = []
    for check in CHECKS:
        try:
            out += check(run)
        except Exception as err:  # noqa: BLE001 - an artefact a check cannot read leaves its floor unconfirmed
            name = f"{check.__module__.rsplit('.', 1)[-1]}.{check.__name__}"
            out.append(record(name, "", "", "", "", "fail", f"the check could not read the run: "
                              f"{type(err).__name__}: {err}"))
    return out
