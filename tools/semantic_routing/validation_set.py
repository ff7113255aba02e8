"""The labelled validation set shipped for profiling a model through the gateway.

    python -m tools.semantic_routing.validation_set --data ../shared/routing/routerbench_0shot_train.csv

Writes ``tools/semantic_routing/data/validation_set.jsonl``: one JSON object per line,
``{"sample_id", "eval_name", "gold", "prompt"}``, the gradable rows of the RouterBench
CSV's *validation* split (``split.json``): the rows the shipped profiles were counted on,
never the test rows evaluation scores. ARC-Challenge (A-D) and winogrande (A/B) are graded
by their choice letter (``grading.TASK_CHOICES``); MBPP rows have no gold in the CSV (the
benchmark grades them by running tests the CSV does not carry), so they are left out and
the coding cluster of a gateway profile leans on the model's overall error (the prior).
RouterBench's data is MIT-licensed (see ``data/README.md``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gateway.semantic_routing._bundle import ARTIFACTS_DIR
from tools.semantic_routing._dataset import load_csv
from tools.semantic_routing.grading import is_gradable

VALIDATION_SET = Path(__file__).parent / "data" / "validation_set.jsonl"


@dataclass(frozen=True)
class Item:
    sample_id: str
    eval_name: str
    gold: str
    prompt: str


def load(path: Path = VALIDATION_SET) -> list[Item]:
    """The items of a validation-set JSONL file, in file order."""
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            items.append(
                Item(str(raw["sample_id"]), str(raw["eval_name"]), str(raw["gold"]), str(raw["prompt"]))
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: {exc!r}") from exc
    return items


def from_csv(path: Path, split: dict[str, list[str]] | None = None) -> list[Item]:
    """Gradable rows of a RouterBench-format CSV: its validation split when ``split`` names
    one the CSV holds entirely, else every row."""
    data = load_csv(path)
    index = {sid: i for i, sid in enumerate(data.sample_ids)}
    val = (split or {}).get("validation") or []
    rows = [index[s] for s in val] if val and all(s in index for s in val) else list(range(len(data)))
    return [
        Item(data.sample_ids[i], data.eval_names[i], data.gold[i], data.prompts[i])
        for i in rows
        if is_gradable(data.gold[i])
    ]


def write(items: Sequence[Item], path: Path = VALIDATION_SET) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {"sample_id": it.sample_id, "eval_name": it.eval_name, "gold": it.gold, "prompt": it.prompt},
            ensure_ascii=False,
        )
        for it in items
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, type=Path, help="the RouterBench training CSV")
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR)
    parser.add_argument("--out", type=Path, default=VALIDATION_SET)
    args = parser.parse_args(argv)
    split = json.loads((args.artifacts / "split.json").read_text())
    items = from_csv(args.data, split)
    write(items, args.out)
    counts = Counter(it.eval_name for it in items)
    json.dump(
        {"written_to": str(args.out), "items": len(items), "by_task": dict(counts)}, sys.stdout, indent=1
    )
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
