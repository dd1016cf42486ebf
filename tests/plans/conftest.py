"""Fixtures the plan tests share."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.plans import catalogue

#: What version 2 of the food template changes: the first question is asked in other words, and the
#: kitchen question (food's own) is no longer asked.
SKILLS_V2 = {
    "it": "Quali mestieri sai fare? Elencali.",
    "en": "Which trades do you know? List them.",
    "fr": "Quels métiers connaissez-vous ? Citez-les.",
    "ar": "ما الحِرَف التي تتقنها؟ اذكرها.",
}


@pytest.fixture
def food_v2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[catalogue.BusinessType]:
    """The shipped templates plus a version 2 of food (a question renamed, another removed), read from a
    copy of the folder; new plans get version 2 while it is there."""
    folder = tmp_path / "business_types"
    shutil.copytree(Path(str(catalogue._folder())), folder)
    data = json.loads((folder / "food" / "v1.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["version"] = 2
    del data["extra_questions"]["organisation"]
    del data["example_plan"]["answers"]["kitchen"]
    data.setdefault("examples", {}).pop("kitchen", None)
    base = json.loads((folder / "_base" / "v1.json").read_text(encoding="utf-8"))
    skills = next(q for s in base["sections"] for q in s.get("questions", []) if q["key"] == "skills")
    skills["prompt"] = SKILLS_V2
    (folder / "_base" / "v2.json").write_text(json.dumps(base, ensure_ascii=False), encoding="utf-8")
    data["base"] = 2
    (folder / "food" / "v2.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(catalogue, "_folder", lambda: folder)
    catalogue.clear_cache()
    yield catalogue.get_business_type("food")
    catalogue.clear_cache()
