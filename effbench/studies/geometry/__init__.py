"""Geometry study (paper 003 §4, App. E-G): does lowering range-partition entropy speed up hulls?

Jobs, each a function here:
  train_run        EntropyNet + surrogate per (family, variant, seed): history, metrics, weights
  correlation      surrogate vs reference structural entropy across many independent point sets
  time_family      end-to-end timing of (hull algorithm) x (preprocessing) on held-out sets
  time_large       n = 10^6 hull and n = 10^5 Delaunay (Table 23)
  write_tables     Tables 2, 8/9, 15, 16, 17, 20, 22, 23 and the lambda sweep, paper values beside

Point sets for training, validation and timing come from independent random streams keyed by
(role, family, seed), so EntropyNet is never timed or scored on a set it was trained on.
"""
