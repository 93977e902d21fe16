from __future__ import annotations

import pyarrow as pa
import pytest

from hfexplore.errors import HfExploreError
from hfexplore.knowledge import Families


@pytest.fixture(scope="module")
def families() -> Families:
    return Families.load()


def test_publishers_map_case_insensitively(families) -> None:
    assert families.family_of("meta-llama") == "Meta" and families.family_of("FACEBOOK") == "Meta"
    assert families.family_of("qwen") == "Alibaba" and families.family_of("nobody") is None


def test_mirrors_are_origins_not_publishers(families) -> None:
    assert families.family_of("openai-community") is None
    assert families.family_of("mistral-community") is None
    assert families.origin_of("openai-community/gpt2") == "OpenAI"
    assert families.origin_of("mistral-community/Mixtral-8x22B-v0.1") == "Mistral AI"
    assert families.origin_of("meta-llama/Llama-2-7b-hf") == "Meta"
    assert "mistral-community" not in families.namespaces("Mistral AI")
    assert "mistral-community" in families.namespaces("Mistral AI", origin=True)


@pytest.mark.parametrize(("base", "family"), [
    ("gpt2", "OpenAI"), ("gpt2-medium", "OpenAI"), ("distilgpt2", "Hugging Face"),
    ("bert-base-uncased", "Google"), ("t5-small", "Google"), ("albert-base-v2", "Google"),
    ("distilbert-base-uncased", "Hugging Face"), ("roberta-base", "Meta"),
    ("xlm-roberta-large", "Meta"), (" xlm-roberta-base ", "Meta"),
    ("bert-base-german-cased", "deepset"),  # an exact alias beats the bert-* prefix
    ("roberta-base-openai-detector", "OpenAI"),
    ("SDXL_model", None), ("mistral-7b", None),
])
def test_legacy_ids_without_a_namespace_get_their_origin(families, base, family) -> None:
    assert families.origin_of(base) == family
    assert families.origin_arrow(pa.array([base])).to_pylist() == [family]


def test_the_families_the_issue_names_are_there(families) -> None:
    expected = {
        "Meta": ["FacebookAI"], "Hugging Face": ["distilbert", "timm"], "Google": ["albert"],
        "Alibaba": ["Qwen", "Alibaba-NLP"], "BAAI": ["BAAI"], "Moonshot AI": ["moonshotai"],
        "MiniMax": ["MiniMaxAI"], "Baidu": ["baidu"], "Tencent": ["Tencent-Hunyuan"],
        "ByteDance": ["ByteDance-Seed"], "Xiaomi": ["XiaomiMiMo"], "StepFun": ["stepfun-ai"],
        "Shanghai AI Lab": ["internlm", "OpenGVLab"], "Salesforce": ["Salesforce"],
        "Amazon": ["amazon"], "Databricks": ["databricks"], "Snowflake": ["Snowflake"],
        "ServiceNow": ["ServiceNow"], "LG AI Research": ["LGAI-EXAONE"],
        "Upstage": ["upstage"], "AI21": ["ai21labs"], "Liquid AI": ["LiquidAI"],
        "OpenBMB": ["openbmb"], "Nous Research": ["NousResearch"],
        "CompVis (LMU Munich)": ["CompVis"], "Runway": ["runwayml"],
    }
    for family, namespaces in expected.items():
        for namespace in namespaces:
            assert families.family_of(namespace) == family, namespace
    assert all(f.kind for f in families.families.values())


def test_user_files_in_either_form(tmp_path) -> None:
    short = tmp_path / "short.toml"
    short.write_text('[families]\n"Meta" = ["my-meta-mirror"]\n"Acme" = ["acme"]\n')
    extended = Families.load(short)
    assert extended.family_of("my-meta-mirror") == "Meta"
    assert extended.family_of("facebook") == "Meta" and extended.family_of("acme") == "Acme"
    full = tmp_path / "full.toml"
    full.write_text('[families.Acme]\nkind = "academic"\npublishers = ["acme-lab"]\n'
                    'mirrors = ["acme-copies"]\n[aliases]\n"acmebert-*" = "Acme"\n')
    acme = Families.load(full)
    assert acme.family_of("acme-lab") == "Acme" and acme.family_of("acme-copies") is None
    assert acme.origin_of("acmebert-base") == "Acme"
    with pytest.raises(HfExploreError, match="unknown family"):
        acme.namespaces("Nonexistent")


@pytest.mark.parametrize("body", [
    '[families]\n"Meta" = "not a list"\n',
    '[families.X]\npublishers = [1]\n',
    '[families.X]\nkind = "club"\npublishers = ["x"]\n',
    '[families.X]\npublishers = ["x"]\n[aliases]\n"y" = "Nobody"\n',
    'not toml [',
])
def test_bad_families_files_name_the_file(tmp_path, body) -> None:
    path = tmp_path / "fam.toml"
    path.write_text(body)
    with pytest.raises(HfExploreError, match=r"fam\.toml|unknown families"):
        Families.load(path)
