"""The floor of a text task: what a model must beat before any of its numbers mean something.

Two baselines per task, fitted on exactly what the dense model sees (the shared training subset,
each text cut to the task's max_length tokens of the backbone's tokenizer) and scored on the
whole test split, in file order, the order every text method's test predictions use:
  * majority: the most frequent training label for every example (the mean for a regression task);
  * bag of words: TF-IDF over word 1-2-grams and a logistic regression (ridge for a regression
    task), its C (alpha) chosen on the whole validation split.
A dense transformer below the bag of words, or a baseline at the majority rate, is a broken
experiment, not a result (effbench.validity reads both). No torch: scikit-learn and a tokenizer.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ...artefacts import atomic_path, provenance, write_json
from ...data.text import read_split, subsample

C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)   # inverse regularisation of the logistic regression


def truncated_text(tokenizer, frame, max_length: int) -> list[str]:
    """Each example as the dense model reads it: its first max_length tokens (special tokens
    included, as `encode` counts them), decoded back to text; a pair joins both sides."""
    pair = frame["text_pair"].tolist() if "text_pair" in frame else None
    ids = tokenizer(frame["text"].tolist(), pair, truncation=True, max_length=max_length)["input_ids"]
    return tokenizer.batch_decode(ids, skip_special_tokens=True)


def _vectoriser():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)


def fit_bag_of_words(train_text, y_train, val_text, y_val, regression: bool = False) -> dict:
    """The model with the best validation score over C_GRID: {model, vectoriser, C, val_score, val_scores}."""
    from sklearn.linear_model import LogisticRegression, Ridge

    vectoriser = _vectoriser().fit(train_text)
    x_train, x_val = vectoriser.transform(train_text), vectoriser.transform(val_text)
    scores = {}
    best = None
    for c in C_GRID:
        if regression:      # alpha = 1 / C: the same grid, the same direction (larger C, less shrinkage)
            model = Ridge(alpha=1.0 / c).fit(x_train, y_train)
            score = float(np.corrcoef(model.predict(x_val), y_val)[0, 1])
        else:
            model = LogisticRegression(C=c, max_iter=2000).fit(x_train, y_train)
            score = float((model.predict(x_val) == y_val).mean())
        scores[c] = score
        if best is None or score > best[0]:     # ties keep the smaller C (more regularised)
            best = (score, c, model)
    return {"model": best[2], "vectoriser": vectoriser, "C": best[1], "val_score": best[0], "val_scores": scores}


def class_probs(model, x, n_classes: int) -> np.ndarray:
    """(n, n_classes) probabilities, with a zero column for a class the training subset lacked."""
    out = np.zeros((x.shape[0], n_classes))
    out[:, model.classes_] = model.predict_proba(x)
    return out


def build(facts: dict, out_json, out_npz) -> dict:
    """Fit and score both baselines of one task (facts: effbench.studies.dense.plan.tasks)."""
    from transformers import AutoTokenizer

    from ...data import tasks as text_tasks
    from ...models.backbones import resolve

    directory = facts["data_dir"]
    tokenizer = AutoTokenizer.from_pretrained(resolve(facts["backbone"]))
    train = subsample(read_split(directory, "train"), facts["train_subset"], facts["split_seed"])
    val, test = read_split(directory, "validation"), read_split(directory, "test")
    text = {name: truncated_text(tokenizer, frame, facts["max_length"])
            for name, frame in (("train", train), ("validation", val), ("test", test))}
    y = {"train": train["label"].to_numpy(), "validation": val["label"].to_numpy(), "test": test["label"].to_numpy()}
    regression = y["train"].dtype.kind == "f"
    fitted = fit_bag_of_words(text["train"], y["train"], text["validation"], y["validation"], regression)
    x_test = fitted["vectoriser"].transform(text["test"])
    if regression:
        bow = fitted["model"].predict(x_test)
        majority = np.full(len(test), float(y["train"].mean()))
        scores = {"bow_pearson": float(np.corrcoef(bow, y["test"])[0, 1])}
        summary = {"majority_value": float(y["train"].mean())}
    else:
        n_classes = text_tasks.n_classes(directory)
        bow = class_probs(fitted["model"], x_test, n_classes)
        majority_class = int(np.bincount(y["train"], minlength=n_classes).argmax())
        majority = np.eye(n_classes)[np.full(len(test), majority_class)]
        scores = {"bow_accuracy": float((bow.argmax(1) == y["test"]).mean())}
        summary = {"majority_class": majority_class, "majority_rate": float((y["test"] == majority_class).mean())}
    metrics = {"n_test": int(len(test)), "n_train": int(len(train)), "max_length": facts["max_length"], **summary,
               "bow": {**{k.removeprefix("bow_"): v for k, v in scores.items()}, "C": fitted["C"],
                       "val_score": fitted["val_score"], "val_scores": {str(k): v for k, v in fitted["val_scores"].items()},
                       "features": int(len(fitted["vectoriser"].vocabulary_))}}
    with atomic_path(out_npz) as tmp:
        with open(tmp, "wb") as fh:
            np.savez(fh, labels=y["test"], bow_probs=bow, majority_probs=majority)
    write_json(Path(out_json), {"provenance": provenance({"task": facts}), "metrics": metrics})
    return metrics


FLOOR_ROWS = ("majority", "bag_of_words")


def floor_probs(npz_path, labels) -> dict[str, np.ndarray]:
    """{row name: (n, n_classes) test probabilities} of the task's floor, for a table whose rows
    were scored on `labels`; a table scored on other examples than the whole test split in file
    order is refused (its rows and the floor would not be paired)."""
    from ...artefacts import read_npz

    z = read_npz(npz_path)
    if len(z["labels"]) != len(labels) or not np.array_equal(z["labels"], labels):
        raise ValueError(f"{npz_path}: the floor is scored on the whole test split ({len(z['labels'])} examples), "
                         f"this table on {len(labels)} others: set the study's test_subset to 0")
    return {"majority": z["majority_probs"], "bag_of_words": z["bow_probs"]}
