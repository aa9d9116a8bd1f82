"""EAT (paper 002) as a patch on the dense text classifier: `apply_eat(model, settings)`.

Three levers, each really removing compute:
  * progressive pruning: after blocks 2 and 4, keep [CLS] plus the top ceil((1 - p)(t - 1))
    tokens by hidden-state L2 norm; padding is never counted or kept; the kept tokens are
    gathered into a shorter tensor (pruning/tokens.py, shared with every other method);
  * window attention (models/attention.py): +/- w neighbours plus a global [CLS];
  * an early exit after block 4, decided per example: exited rows leave the batch and the
    padding they leave behind is trimmed, so the rest runs on a smaller tensor.
The model keeps the dense classifier's encoder and final head; `apply_eat` swaps its class
and adds the exit heads (the ToMe pattern), so dense and EAT share every other line.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from ..exits import ExitHead, should_exit
from ..pruning.tokens import gather_tokens, keep_counts_protected, select_counts
from .attention import attention_flops, bert_block
from .blocks import sizes
from .losses import distillation_loss
from .text_classifier import TextClassifier


@dataclass
class EATSettings:
    prune_after: list[int] = field(default_factory=lambda: [2, 4])
    prune_ratio: float = 0.3          # share of the non-[CLS] tokens removed at each pruning block
    half_window: int | None = 16      # None: dense attention
    exit_layers: list[int] = field(default_factory=lambda: [4])   # blocks with an exit head
    exit_at: int | None = 4           # where the exit is decided (None: never exit)
    exit_weight: float = 0.3          # lambda_4 of Eq. 1
    exit_pooling: str = "cls"         # what exit heads read: "cls" (the paper) or "mean" of the kept tokens
    patience: bool = False            # also require argmax agreement with the head at exit_at - 1
    sep_token_id: int | None = None   # set: [SEP] tokens are protected like [CLS] (sentence pairs)


@dataclass
class Running:
    """The rows of a batch still running, and their state: B' <= B rows of T' <= T tokens."""
    rows: torch.Tensor    # (B',) each row's index in the original batch
    h: torch.Tensor       # (B', T', C) hidden states
    mask: torch.Tensor    # (B', T') real tokens still kept
    ids: torch.Tensor     # (B', T') their token ids (to protect [SEP])

    def keep(self, stay: torch.Tensor) -> None:
        """Drop the rows that exited, then the padding only they needed."""
        self.rows, self.h, self.mask, self.ids = self.rows[stay], self.h[stay], self.mask[stay], self.ids[stay]
        if self.rows.numel():
            width = int(self.mask.sum(1).max())
            self.h, self.mask, self.ids = self.h[:, :width], self.mask[:, :width], self.ids[:, :width]


class EATClassifier(TextClassifier):
    eat: EATSettings

    def forward(self, input_ids, attention_mask, token_type_ids=None, tau: float | None = None,
                prune_ratio: float | None = None) -> dict:
        """Blocks run on the rows and tokens still running: after an exit block, rows whose head is
        confident (tau) leave with its logits; after a pruning block, the lowest-norm tokens leave.
        tau None: no exit (training, or the no-exit ablation); every head still runs."""
        s = self.eat
        ratio = s.prune_ratio if prune_ratio is None else prune_ratio
        h = self.embed(input_ids, token_type_ids)                                         # (B, T, C)
        n, n_layers = h.shape[0], len(self.layers)
        run = Running(torch.arange(n, device=h.device), h, attention_mask.bool(), input_ids)
        tokens = torch.zeros(n, n_layers, dtype=torch.long, device=h.device)        # (B, L) tokens per block
        exit_layer = torch.full((n,), n_layers, dtype=torch.long, device=h.device)  # (B,) block each row left after
        logits = h.new_zeros(n, self.head.out_features)            # (B, K) filled as rows leave
        exit_logits, previous = {}, None
        for depth, layer in enumerate(self.layers, start=1):
            tokens[run.rows, depth - 1] = run.mask.sum(1)
            run.h = bert_block(layer, run.h, run.mask, s.half_window)
            if str(depth) in self.exit_heads:
                head = self.exit_heads[str(depth)]
                current = head(pool(run.h, run.mask, s.exit_pooling))                      # (B', K)
                exit_logits[depth] = current
                if tau is not None and depth == s.exit_at:
                    done = should_exit(current, tau, head.temperature, previous if s.patience else None)  # (B',)
                    logits[run.rows[done]] = current[done]
                    exit_layer[run.rows[done]] = depth
                    run.keep(~done)
                    current = current[~done]
                    if run.rows.numel() == 0:
                        break
                previous = current
            if depth in s.prune_after and ratio > 0 and depth < n_layers:
                self.prune(run, ratio)
        if run.rows.numel():
            final = self.head(self.dropout(run.h[:, 0]))                                  # (B', K)
            if tau is None:
                logits = final                                      # no exits: keep the graph simple
            else:
                logits[run.rows] = final
        return {"logits": logits, "exit_logits": exit_logits, "exit_layer": exit_layer, "tokens": tokens,
                "input_mask": attention_mask.bool()}

    def prune(self, run: Running, ratio: float) -> None:
        """Remove `ratio` of each row's unprotected tokens, the lowest L2 norms first ([CLS] and,
        for sentence pairs, [SEP] stay); the kept tokens move to the front, T' shrinks."""
        protect = torch.zeros_like(run.mask)                                             # (B', T')
        protect[:, 0] = True
        if self.eat.sep_token_id is not None:
            protect |= run.ids == self.eat.sep_token_id
        counts = keep_counts_protected(run.mask.sum(1), 1 - ratio, (protect & run.mask).sum(1))   # (B',)
        index, valid = select_counts(run.h.detach().norm(dim=-1), run.mask, counts, protect)     # (B', T'')
        run.h, run.ids, run.mask = gather_tokens(run.h, index), gather_tokens(run.ids, index), valid

    def loss(self, out: dict, labels: torch.Tensor, teacher_logits: torch.Tensor | None = None,
             distill_weight: float = 0.0, temperature: float = 2.0) -> torch.Tensor:
        """Eq. 1-3: CE of the final head + lambda * CE of each exit head (+ distillation)."""
        loss = F.cross_entropy(out["logits"], labels)
        for depth, logits in out["exit_logits"].items():
            loss = loss + self.eat.exit_weight * F.cross_entropy(logits, labels)
        if teacher_logits is not None and distill_weight > 0:
            loss = loss + distillation_loss(out["logits"], teacher_logits, temperature) * distill_weight
        return loss


def pool(h: torch.Tensor, mask: torch.Tensor, how: str) -> torch.Tensor:
    """[CLS] state, or the mean over an example's real (kept) tokens."""
    if how == "cls":
        return h[:, 0]
    weights = mask.to(h.dtype)[..., None]
    return (h * weights).sum(1) / weights.sum(1)


def apply_eat(model: TextClassifier, settings: EATSettings, dropout: float = 0.1) -> EATClassifier:
    n_layers = len(model.layers)
    heads = set(settings.exit_layers)
    if settings.exit_at is not None:
        heads.add(settings.exit_at)
        if settings.patience:
            heads.add(settings.exit_at - 1)
    if any(not 1 <= d < n_layers for d in heads | set(settings.prune_after)):
        raise ValueError(f"exit and pruning blocks must lie in [1, {n_layers - 1}]: {asdict(settings)}")
    if settings.exit_pooling not in ("cls", "mean"):
        raise ValueError(f"exit_pooling must be 'cls' or 'mean', got {settings.exit_pooling!r}")
    if model.gate is not None:
        raise ValueError("apply_eat expects a dense classifier, not a gated one")
    settings.exit_layers = sorted(heads)
    model.__class__ = EATClassifier
    model.eat = settings
    hidden, n_classes = model.encoder.config.hidden_size, model.head.out_features
    model.exit_heads = nn.ModuleDict({str(d): ExitHead(hidden, n_classes, dropout) for d in settings.exit_layers})
    return model.to(model.head.weight.device)          # the new heads beside the encoder, wherever it is


def trace_flops(model: TextClassifier, tokens, exit_layer: int) -> float:
    """Analytic FLOPs of one example from the tokens each block processed and where it
    stopped: linear layers 2t(4h^2 + 2hi), attention by the path that ran, every head run."""
    h, inter = sizes(model.encoder.config)
    half_window = model.eat.half_window if isinstance(model, EATClassifier) else None
    total = sum(2.0 * t * (4 * h * h + 2 * h * inter) + attention_flops(t, h, half_window) for t in tokens if t > 0)
    heads = 1 if exit_layer == len(model.layers) else 0
    if isinstance(model, EATClassifier):
        heads += sum(1 for d in model.eat.exit_layers if d <= exit_layer)
    return total + heads * 2.0 * h * model.head.out_features
