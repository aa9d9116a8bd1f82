"""AD-TP (paper 001): attribution-driven adaptive token pruning, trained and measured.

Per task and seed:
  dense    the fine-tuned backbone: the teacher, and the backbone every baseline scorer prunes;
  teacher  cache (once): its IG token attributions, logits, and whether it keeps its prediction
           when pruned to each ratio of the candidate grid (the ARP's labels), on the training set;
  adtp     the student: backbone + ARP + TSP, loss (1 - a) CE + a KD + b L_IG + g (L_ARP + L_TSP);
           variants switch one term off (ablation), change the candidate list, the IG steps m,
           or one of a, b, g (sensitivity);
  shallow  the backbone's first blocks distilled from the teacher (the Table 3 comparison).
Evaluation-time methods on the same weights (`evaluate_methods`): the retainer table's static
ratio (every sequence at the ARP's mean ratio) and random ratio (the ARP's ratios shuffled
across sequences), and the dense model pruned by attention, random, IG or leave-one-out
("residual") token scores at a grid of ratios and at the ratio AD-TP chose (matched FLOPs).
"""
