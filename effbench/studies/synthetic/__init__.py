"""The synthetic track of the entropy-gate study: which variants exist, how one is trained
and evaluated. Reusable pieces (data, model, gates, loop, stats, cost) live elsewhere in
the package; this module only wires them for this study.
"""
