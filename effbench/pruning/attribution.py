"""Token attribution for AD-TP: Integrated Gradients on the embedding layer, and what the
training objective builds from it.

IG_ij = (e_ij - e'_ij) * sum_k w_k dF(e' + alpha_k (e - e'))/de_ij, over m steps, where e is
the embedding layer's output and e' its output for the baseline: every real token replaced
by [PAD] ([CLS] and [SEP] stay, so their attribution is 0). Completeness: the IG of all tokens
and dimensions sums to F(x) - F(x') as m grows (a test checks it at m = 64; at m = 1 it does
not hold by construction).
  * `integrated_gradients`: captum's LayerIntegratedGradients (teacher cache, evaluation);
  * `differentiable_ig`: the same alphas and weights (captum's own quadrature), with the
    graph kept so that L_IG can train the student's attributions (captum cannot
    create_graph); a test checks the two agree.
A token's attribution is the L2 norm of its IG over the hidden dimensions (the teacher keeps
its top-K dimensions first). Dual normalisation: L2 over the sequence's real tokens, then
sequence-level max -> [0, 1], the scale the TSP predicts.
"""
from __future__ import annotations

import math

import torch
from captum.attr import LayerIntegratedGradients
from captum.attr._utils.approximation_methods import approximation_parameters

METHOD = "gausslegendre"   # captum's default quadrature; m = 1 is the midpoint rule (alpha = 0.5)


def baseline_ids(input_ids: torch.Tensor, attention_mask: torch.Tensor, pad_id: int, special_ids) -> torch.Tensor:
    """The [PAD]-embedding baseline: real tokens -> [PAD], special tokens and padding unchanged."""
    special = torch.zeros_like(input_ids, dtype=torch.bool)
    for sid in special_ids:
        special |= input_ids == sid
    return torch.where(attention_mask.bool() & ~special, torch.full_like(input_ids, pad_id), input_ids)


def _logits_fn(model):
    def forward(input_ids, attention_mask, token_type_ids=None):
        return model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)["logits"]
    return forward


def integrated_gradients(model, batch: dict, target: torch.Tensor, steps: int, pad_id: int, special_ids,
                         return_delta: bool = False):
    """captum layer IG on the embeddings: (n, L, d) attributions (and the completeness gap)."""
    ids, mask = batch["input_ids"], batch["attention_mask"]
    lig = LayerIntegratedGradients(_logits_fn(model), model.encoder.embeddings)
    with torch.enable_grad():    # captum repeats the extra arguments along the m interpolation steps
        return lig.attribute(ids, baselines=baseline_ids(ids, mask, pad_id, special_ids), target=target,
                             additional_forward_args=(mask, batch.get("token_type_ids")), n_steps=steps,
                             method=METHOD, return_convergence_delta=return_delta)


def differentiable_ig(model, batch: dict, target: torch.Tensor, steps: int, pad_id: int, special_ids,
                      create_graph: bool = True) -> torch.Tensor:
    """IG on the embeddings as a differentiable function of the model's weights: (n, L, d)."""
    ids, mask, types = batch["input_ids"], batch["attention_mask"], batch.get("token_type_ids")
    e = model.embed(ids, types)                                           # (n, L, d)
    e0 = model.embed(baseline_ids(ids, mask, pad_id, special_ids), types)
    step_sizes, alphas = approximation_parameters(METHOD)
    weights, points = step_sizes(steps), alphas(steps)
    n = len(ids)
    path = torch.cat([e0 + a * (e - e0) for a in points])                 # (m n, L, d)
    if not create_graph:
        path = path.detach().requires_grad_(True)
    rep = lambda x: None if x is None else x.repeat(steps, *([1] * (x.dim() - 1)))
    logits = model(rep(ids), rep(mask), rep(types), inputs_embeds=path)["logits"]
    picked = logits.gather(1, rep(target)[:, None]).sum()
    grads = torch.autograd.grad(picked, path, create_graph=create_graph)[0].view(steps, n, *e.shape[1:])
    mean_grad = sum(w * g for w, g in zip(weights, grads))
    return (e - e0) * mean_grad


def token_magnitude(attr: torch.Tensor, top_k_dims: int | None = None) -> torch.Tensor:
    """(n, L, d) -> (n, L): L2 norm over dimensions, optionally of the top-K by |IG| only."""
    if top_k_dims and top_k_dims < attr.shape[-1]:
        attr = attr.abs().topk(top_k_dims, dim=-1).values
    return attr.norm(dim=-1)


def dual_normalise(a: torch.Tensor, mask: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """L2 over each sequence's real tokens, then divide by the sequence max: values in [0, 1]."""
    a = a * mask
    a = a / (a.norm(dim=1, keepdim=True) + eps)
    return a / (a.amax(dim=1, keepdim=True) + eps)


def fuse(teacher: torch.Tensor | None, student: torch.Tensor | None, kappa: float) -> torch.Tensor:
    """a = (1 - kappa) a_teacher + kappa a_student (both dual-normalised); a missing side gets
    no weight."""
    if teacher is None:
        return student
    if student is None or kappa == 0:
        return teacher
    return (1 - kappa) * teacher + kappa * student


def kappa_at(step: int, total_steps: int, start: float, end: float) -> float:
    """Linear from `start` (teacher-led) to `end` (self-supervised) over training."""
    return start + (end - start) * min(1.0, step / max(1, total_steps - 1))


def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    pred, target, w = pred.float(), target.float(), mask.float()      # fp32 sums under bf16 autocast
    return (((pred - target) ** 2) * w).sum() / w.sum()


def retention_targets(agrees: torch.Tensor, grid: list[float], candidates: list[float]) -> torch.Tensor:
    """ARP labels: per example, the index of the smallest candidate ratio at which the pruned
    reference model still gives its unpruned prediction. agrees: (n, len(grid)) bool over the
    ratio grid (which contains every candidate; ratio 1 prunes nothing and always agrees)."""
    columns = [min(range(len(grid)), key=lambda j: abs(grid[j] - c)) for c in candidates]
    if any(not math.isclose(grid[j], c) for j, c in zip(columns, candidates)):
        raise ValueError(f"candidate ratios {candidates} are not all on the grid {grid}")
    ok = agrees[:, columns].clone()
    ok[:, -1] = True
    return ok.float().argmax(1)            # first True = smallest agreeing ratio


@torch.no_grad()
def occlusion_scores(model, batch: dict, target: torch.Tensor, pad_id: int, special_ids) -> torch.Tensor:
    """Leave-one-out: the drop in the target class's probability when a token alone becomes
    [PAD] (the poster's 'residual' upper-bound strategy; it needs one forward per token). A
    regression head: the absolute change of its score."""
    from ..models.losses import outputs

    ids, mask = batch["input_ids"], batch["attention_mask"]
    types = batch.get("token_type_ids")
    logits = _logits_fn(model)
    forward = lambda *a: outputs(logits(*a))  # noqa: E731  (probabilities, or the score)
    regression = model.head.out_features == 1
    base = forward(ids, mask, types).gather(1, target[:, None]).squeeze(1)
    blank = baseline_ids(ids, mask, pad_id, special_ids)
    scores = torch.zeros(ids.shape, dtype=torch.float32, device=ids.device)
    for j in range(ids.shape[1]):
        changed = blank[:, j] != ids[:, j]
        if not changed.any():
            continue
        occluded = ids.clone()
        occluded[changed, j] = pad_id
        p = forward(occluded[changed], mask[changed], None if types is None else types[changed]).gather(1, target[changed][:, None]).squeeze(1)
        drop = base[changed] - p
        scores[changed, j] = drop.abs() if regression else drop
    return scores
