"""EAT (paper 002): progressive pruning, window attention and early exit, measured honestly.

Per task and seed: a dense fine-tuned backbone (baseline and distillation teacher), a
shallow dense model (its first blocks: the DistilBERT analogue), EAT, and on the ablation
task EAT with one lever off each (pruning, window, distillation; no-exit is the EAT model
evaluated with tau = None). Training follows Alg. 2: epoch 1 without pruning, then the
ratio anneals linearly to its target; window attention throughout.

Evaluation sweeps tau on validation and test; tau is chosen on validation (the smallest
whose accuracy is within `max_drop_pp` of the dense model's) and the test split reports.
Every accuracy, depth, retention and FLOPs figure comes from one per-example trace.
"""
