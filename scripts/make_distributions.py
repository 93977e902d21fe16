"""Derive the synthetic catalogue's distributions from the real 2024 Hub data.

Writes tests/hubsim/distributions.json: frequencies of licenses, libraries, tasks and authors,
lineage and format shares, download and like quantiles, and the cumulative creation curve.
Run from the project root: python scripts/make_distributions.py [SHARED_DATA_DIR]
"""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import orjson

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
NAMED_ORGS = ["meta-llama", "facebook", "mistralai", "google", "google-bert", "google-t5",
              "microsoft", "Qwen", "deepseek-ai", "nvidia", "openai", "stabilityai", "tiiuae",
              "bigscience", "EleutherAI", "allenai", "HuggingFaceH4", "01-ai", "CohereForAI",
              "apple", "ibm-granite", "xai-org", "THUDM", "bigcode", "sentence-transformers"]
QUANTILES = [0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0]


def scan(path: Path) -> dict:
    licenses: Counter[str] = Counter()
    libraries: Counter[str] = Counter()
    tasks: Counter[str] = Counter()
    authors: Counter[str] = Counter()
    formats: Counter[str] = Counter()
    relations: Counter[str] = Counter()
    months: Counter[str] = Counter()
    gated: Counter[str] = Counter()
    downloads, likes = [], []
    n = with_base = 0
    with gzip.open(path, "rb") as lines:
        for line in lines:
            item = orjson.loads(line)
            n += 1
            tags = item.get("tags") or []
            lic = [t[8:] for t in tags if t.startswith("license:")]
            licenses[lic[0] if lic else ""] += 1
            libraries[item.get("library_name") or ""] += 1
            category = next((t[16:] for t in tags if t.startswith("task_categories:")), "")
            tasks[item.get("pipeline_tag") or category] += 1
            authors[item.get("author") or item["id"].split("/")[0]] += 1
            for fmt in ("gguf", "mlx", "onnx", "safetensors", "gptq", "awq"):
                if fmt in tags:
                    formats[fmt] += 1
            bases = [t for t in tags if t.startswith("base_model:")]
            if bases:
                with_base += 1
                parts = bases[0].split(":")
                relations[parts[1] if len(parts) == 3 else "plain"] += 1
            months[(item.get("createdAt") or "")[:7]] += 1
            gated[str(item.get("gated", "absent"))] += 1
            downloads.append(item.get("downloads") or 0)
            likes.append(item.get("likes") or 0)
    top_authors = authors.most_common(400)
    return {
        "records": n,
        "licenses": dict(licenses.most_common(60)),
        "libraries": dict(libraries.most_common(40)),
        "tasks": dict(tasks.most_common(40)),
        "top_authors": dict(top_authors),
        "named_orgs": {org: authors.get(org, 0) for org in NAMED_ORGS},
        "distinct_authors": len(authors),
        "formats": dict(formats),
        "base_model_share": with_base / n,
        "base_relations": dict(relations),
        "created_by_month": dict(sorted(months.items())),
        "gated": dict(gated),
        "downloads_quantiles": [float(v) for v in np.quantile(downloads, QUANTILES)],
        "likes_quantiles": [float(v) for v in np.quantile(likes, QUANTILES)],
        "quantiles": QUANTILES,
    }


def main() -> None:
    out = {
        "_about": "Derived by scripts/make_distributions.py from real Hub API listings of 2024 "
                  "(see fixtures/README.md for the data's origin). Frequencies, not items.",
        "model": scan(SHARED / "hf_models_2024-07-11.jsonl.gz"),
        "dataset": scan(SHARED / "hf_datasets_2024-07-09.jsonl.gz"),
    }
    target = ROOT / "tests" / "hubsim" / "distributions.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
