"""RouterBench-format CSV loading and the deterministic train/validation/test split.

Column format: ``sample_id, prompt, eval_name, gold``, then for each model ``<model>``
(1.0 correct / 0.0 wrong) and ``<model>|total_cost`` (USD for that prompt). ``prompt`` is
a Python-literal list holding one string (RouterBench's export), so it is parsed with
``ast.literal_eval``, never ``eval``.
"""

from __future__ import annotations

import ast
import csv
import random
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_FIXED_COLUMNS = ("sample_id", "prompt", "eval_name", "gold")
_COST_SUFFIX = "|total_cost"

#: Shares of each eval_name stratum; test is held out for evaluation only.
SPLIT_FRACTIONS = {"train": 0.6, "validation": 0.2, "test": 0.2}
SPLIT_SEED = 20261124
#: A CSV of recorded outcomes profiled offline (not the clusters' training CSV): profiles are
#: counted on "profile", "test" is held out for evaluation only.
PROFILE_FRACTIONS = {"profile": 0.6, "test": 0.4}


@dataclass(frozen=True)
class RouterBenchData:
    """One CSV, column-aligned: ``correct[i, j]`` and ``cost_usd[i, j]`` are row i, model j."""

    sample_ids: tuple[str, ...]
    prompts: tuple[str, ...]
    eval_names: tuple[str, ...]
    gold: tuple[str, ...]
    models: tuple[str, ...]
    correct: np.ndarray
    cost_usd: np.ndarray

    def __len__(self) -> int:
        return len(self.sample_ids)

    def subset(self, rows: Sequence[int]) -> RouterBenchData:
        import numpy as np

        idx = np.asarray(rows, dtype=np.int64)

        def pick(seq: Sequence[str]) -> tuple[str, ...]:
            return tuple(seq[i] for i in idx)

        return RouterBenchData(
            pick(self.sample_ids),
            pick(self.prompts),
            pick(self.eval_names),
            pick(self.gold),
            self.models,
            self.correct[idx],
            self.cost_usd[idx],
        )

    def select_models(self, models: Sequence[str]) -> RouterBenchData:
        cols = [self.models.index(m) for m in models]
        return RouterBenchData(
            self.sample_ids,
            self.prompts,
            self.eval_names,
            self.gold,
            tuple(models),
            self.correct[:, cols],
            self.cost_usd[:, cols],
        )


def parse_prompt(cell: str) -> str:
    """The prompt text of one CSV cell: a literal list of one string, or plain text."""
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return cell
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "\n\n".join(value)
    return value if isinstance(value, str) else cell


def load_csv(path: str | Path) -> RouterBenchData:
    """Read a RouterBench-format CSV; raises ValueError when a column is missing or malformed."""
    import numpy as np

    # Prompts hold few-shot blocks well past the default 128 KiB field limit in other exports.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        missing = [c for c in _FIXED_COLUMNS if c not in header]
        if missing:
            raise ValueError(f"{path}: missing columns {missing}")
        models = tuple(
            c
            for c in header
            if c not in _FIXED_COLUMNS and not c.endswith(_COST_SUFFIX) and c + _COST_SUFFIX in header
        )
        if not models:
            raise ValueError(f"{path}: no '<model>' + '<model>|total_cost' column pairs")
        ids, prompts, evals, gold, correct, cost = [], [], [], [], [], []
        for line, row in enumerate(reader, start=2):
            try:
                correct.append([float(row[m]) for m in models])
                cost.append([float(row[m + _COST_SUFFIX]) for m in models])
            except (TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{line}: non-numeric model column ({exc})") from exc
            ids.append(row["sample_id"])
            prompts.append(parse_prompt(row["prompt"]))
            evals.append(row["eval_name"])
            gold.append((row["gold"] or "").strip())
    return RouterBenchData(
        tuple(ids),
        tuple(prompts),
        tuple(evals),
        tuple(gold),
        models,
        np.asarray(correct, dtype=np.float64).reshape(len(ids), len(models)),
        np.asarray(cost, dtype=np.float64).reshape(len(ids), len(models)),
    )


def stratified_split(
    sample_ids: Sequence[str],
    strata: Sequence[str],
    fractions: dict[str, float] = SPLIT_FRACTIONS,
    seed: int = SPLIT_SEED,
) -> dict[str, list[int]]:
    """Row indices per split, stratified by ``strata`` and reproducible from ``seed``.

    Rows are ordered by sample_id inside each stratum before shuffling, so the split does
    not depend on the CSV's row order.
    """
    names = list(fractions)
    by_stratum: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(strata):
        by_stratum[s].append(i)
    out: dict[str, list[int]] = {n: [] for n in names}
    for stratum in sorted(by_stratum):
        rows = sorted(by_stratum[stratum], key=lambda i: sample_ids[i])
        random.Random(f"{seed}:{stratum}").shuffle(rows)
        start = 0
        for k, name in enumerate(names):
            end = len(rows) if k == len(names) - 1 else start + round(fractions[name] * len(rows))
            out[name].extend(rows[start:end])
            start = end
    return {n: sorted(v) for n, v in out.items()}


def holdout_split_path(artifacts: Path, csv_path: str | Path) -> Path:
    """Where the profile/test split of an offline-profiled CSV lives: ``split.<csv stem>.json``."""
    return Path(artifacts) / f"split.{Path(csv_path).stem}.json"
