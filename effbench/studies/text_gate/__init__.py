"""The entropy gate on a BERT backbone (paper 000 §8, Table 3), wired from shared pieces.

One dense fine-tuned checkpoint per seed is the baseline and the initialisation of every
gated variant; a gated variant adds the gate after block `after_layer` and fine-tunes
`gate.epochs` more (the entropy head learns from its per-token auxiliary loss). Random keep
at the same ratio is the floor the entropy gate must beat.
"""
