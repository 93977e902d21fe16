from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hfexplore.errors import HfExploreError
from hfexplore.knowledge import Families
from hfexplore.stats.closure import node_key

FAMILIES = Families.load()


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
    assert origins_in_sql(families, [base]) == [family]


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


# -- kinds ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("family", "kind"), [
    ("TII", "government"), ("Inria", "government"), ("Shanghai AI Lab", "government"),
    ("National Library of Norway", "government"), ("Bavarian State Library", "government"),
    ("Tsinghua KEG (THUDM)", "academic"), ("Zhipu AI", "company"), ("BAAI", "nonprofit"),
])
def test_kinds_follow_the_organisations_own_description(families, family, kind) -> None:
    assert families.get(family).kind == kind


def test_thudm_is_tsinghuas_lab_not_zhipu(families) -> None:
    assert families.family_of("THUDM") == "Tsinghua KEG (THUDM)"
    assert families.family_of("zai-org") == "Zhipu AI" == families.family_of("ZhipuAI")


def test_personal_accounts_publish_nothing_but_their_research_has_an_origin(families) -> None:
    for account in ("intfloat", "thenlper", "h94"):
        assert families.family_of(account) is None
    assert families.origin_of("intfloat/multilingual-e5-large") == "Microsoft"
    assert families.origin_of("thenlper/gte-base") == "Alibaba"
    assert families.origin_of("intfloat/some-personal-experiment") is None


def test_government_is_a_kind_users_can_give(tmp_path) -> None:
    path = tmp_path / "fam.toml"
    path.write_text('[families.Agency]\nkind = "government"\npublishers = ["agency"]\n')
    assert Families.load(path).get("Agency").kind == "government"


# -- test fixtures ------------------------------------------------------------------------------
def test_fixture_namespaces_neither_publish_nor_originate(families) -> None:
    for fixture in ("hf-internal-testing", "trl-internal-testing", "peft-internal-testing",
                    "hf-tiny-model-private"):
        assert families.family_of(fixture) is None
        assert fixture not in families.publisher_map() and fixture not in families.origin_map()
        assert families.fixture_map()[fixture] == "Hugging Face"
        assert families.origin_of(f"{fixture}/tiny-random-bert") is None
        assert fixture not in [n.lower() for n in families.namespaces("Hugging Face",
                                                                      origin=True)]
    assert families.fixture_map()["sentence-transformers-testing"] == "Sentence Transformers"
    assert families.family_of("HuggingFaceH4") == "Hugging Face"


def test_what_hugging_face_publishes_leaves_its_fixtures_out(families) -> None:
    from hfexplore.stats.query import Scan, value_counts

    authors = ["hf-internal-testing", "HuggingFaceH4", "trl-internal-testing", "huggingface",
               "HF-Internal-Testing", "someone"]
    rows = pa.table({"_id": [f"id{n}" for n in range(len(authors))], "author": authors})
    counts = value_counts(Scan(rows, "model", (), families=families), "family", "family")
    assert counts.set_index("family")["count"].to_dict() == {"Hugging Face": 2, "(none)": 4}


def test_a_namespace_cannot_be_publisher_and_fixture(tmp_path) -> None:
    path = tmp_path / "fam.toml"
    path.write_text('[families.X]\npublishers = ["x", "x-tests"]\nfixtures = ["X-Tests"]\n')
    with pytest.raises(HfExploreError, match="both a publisher and a fixture"):
        Families.load(path)


# -- origin patterns ------------------------------------------------------------------------------
@pytest.mark.parametrize(("repo_id", "family"), [
    ("unsloth/llama-3-8b-bnb-4bit", "Meta"),  # the issue's example: a copy, not Unsloth's
    ("Unsloth/Llama-3-8B-Instruct-bnb-4bit", "Meta"),  # case-insensitive
    (" unsloth/mistral-7b-bnb-4bit ", "Mistral AI"),
    ("unsloth/gemma-7b-bnb-4bit", "Google"), ("unsloth/Phi-3-mini-4k-instruct", "Microsoft"),
    ("unsloth/tinyllama-bnb-4bit", "TinyLlama"),
    ("unsloth/some-own-model", "Unsloth"),  # no pattern: the namespace's family
    ("huggyllama/llama-7b", "Meta"), ("codellama/CodeLlama-7b-hf", "Meta"),
    ("NousResearch/Llama-2-7b-chat-hf", "Meta"), ("NousResearch/Meta-Llama-3-8B", "Meta"),
    ("NousResearch/Nous-Capybara-7B-V1.9", "Nous Research"),
    ("decapoda-research/llama-7b-hf", "Meta"), ("alpindale/Mistral-7B-v0.2-hf", "Mistral AI"),
    ("TheBloke/Llama-2-13B-fp16", "Meta"), ("TheBloke/some-other-model", None),
    ("152334H/miqu-1-70b-sf", "Meta"),
    ("xhuggyllama/llama-7b", None),  # the whole id must match, namespace included
    ("unsloth/phi-2-extended", "Unsloth"),  # an exact pattern matches that id only
])
def test_origin_patterns_attribute_copies(families, repo_id, family) -> None:
    assert families.origin_of(repo_id) == family
    assert origins_in_sql(families, [repo_id]) == [family]


def test_publishing_ignores_the_patterns(families) -> None:
    assert families.family_of("unsloth") == "Unsloth"
    assert families.family_of("NousResearch") == "Nous Research"
    assert "unsloth" in families.publisher_map()


def rules(tmp_path, body: str) -> Families:
    path = tmp_path / "fam.toml"
    path.write_text('[families.A]\npublishers = ["a"]\n[families.B]\npublishers = ["b"]\n'
                    '[families.C]\npublishers = ["c"]\n' + body)
    return Families.load(path)


def test_an_exact_pattern_beats_a_wildcard_and_longer_beats_shorter(tmp_path) -> None:
    found = rules(tmp_path, '[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["ns/*"]\n'
                            '[[origins]]\nfamily = "B"\nreason = "r"\n'
                            'patterns = ["ns/model-*", "NS/Model-Special"]\n'
                            '[[origins]]\nfamily = "C"\nreason = "r"\npatterns = ["ns/model-2*"]\n')
    assert found.origin_of("ns/other") == "A"
    assert found.origin_of("ns/model-1") == "B"
    assert found.origin_of("ns/model-2b") == "C"  # more literal characters than ns/model-*
    assert found.origin_of("ns/model-special") == "B"
    assert found.origin_rule_of("ns/MODEL-SPECIAL").pattern == "NS/Model-Special"
    assert found.origin_of("b/anything") == "B" and found.origin_of("other/x") is None


def test_equal_wildcards_go_to_the_first_and_a_user_file_comes_first(tmp_path) -> None:
    found = rules(tmp_path, '[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["ns/x*"]\n'
                            '[[origins]]\nfamily = "B"\nreason = "r"\npatterns = ["ns/*y"]\n')
    assert found.origin_of("ns/xy") == "A"
    overridden = rules(tmp_path, '[[origins]]\nfamily = "A"\nreason = "mine"\n'
                                 'patterns = ["unsloth/llama-3-*", "unsloth/*"]\n')
    assert overridden.origin_of("unsloth/llama-3-8b-bnb-4bit") == "A"  # replaces the built-in
    assert overridden.origin_of("unsloth/gemma-7b") == "Google"  # built-in is more literal
    assert overridden.origin_of("unsloth/own-model") == "A"


@pytest.mark.parametrize(("body", "error"), [
    ('[[origins]]\nfamily = "A"\npatterns = ["ns/x"]\n', "needs family"),  # no reason
    ('[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["ns*/x"]\n', "is not `namespace"),
    ('[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["no-namespace"]\n', "is not"),
    ('[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["ns/x?"]\n', "is not"),
    ('[[origins]]\nfamily = "Nobody"\nreason = "r"\npatterns = ["ns/x"]\n', "unknown families"),
    ('[[origins]]\nfamily = "A"\nreason = "r"\npatterns = ["ns/x"]\n'
     '[[origins]]\nfamily = "B"\nreason = "r"\npatterns = ["NS/X"]\n', "given to both"),
    ('[[unattributed]]\nids = ["ns/x"]\n', "needs reason"),
    ('[[unattributed]]\nreason = "r"\nids = ["ns/*"]\n', "is not `namespace/name`"),
])
def test_bad_origin_tables_are_errors(tmp_path, body, error) -> None:
    with pytest.raises(HfExploreError, match=error):
        rules(tmp_path, body)


def test_unattributed_ids_are_kept_with_their_reason(families, tmp_path) -> None:
    assert "a community merge" in families.unattributed["liminerity/m7-7b"].lower()
    # Nothing the built-in file lists as unattributed is attributed by the same file.
    data = tomllib.loads((Path(__file__).resolve().parents[2] / "hfexplore" / "data"
                          / "families.toml").read_text("utf-8"))
    listed = {i.lower() for entry in data["unattributed"] for i in entry["ids"]}
    assert set(families.unattributed) == listed
    # A user's file that attributes one wins: it leaves the list.
    mine = tmp_path / "fam.toml"
    mine.write_text('[families.Mistral]\npublishers = ["liminerity"]\n')
    assert "liminerity/m7-7b" not in Families.load(mine).unattributed


# -- origin_of and the SQL forms agree ---------------------------------------------------------
NAMESPACES = ["unsloth", "Unsloth", "NousResearch", "TheBloke", "huggyllama", "codellama",
              "intfloat", "meta-llama", "hf-internal-testing", "someone", "alpindale", "ybelkada"]
NAME_PARTS = ["llama-3-", "Llama-2-", "mistral-7b", "gemma-", "8b", "-bnb-4bit", "x", "_",
              "e5-", "Phi-3-", "phi-2", ".", "tinyllama", "Meta-Llama-3-", "%", "falcon-7b-"]
namespaced_ids = st.builds(lambda ns, parts, pad: f"{pad}{ns}/{''.join(parts)}{pad}",
                           st.sampled_from(NAMESPACES),
                           st.lists(st.sampled_from(NAME_PARTS), max_size=4),
                           st.sampled_from(["", " "]))
repo_ids = st.one_of(
    namespaced_ids,
    st.sampled_from(["gpt2", "bert-base-uncased", "roberta-base", "distilgpt2", "nothing"]),
    st.none(),
)


_SQL = duckdb.connect()  # one database for every example (each costs tens of milliseconds)


def origins_in_sql(families: Families, ids: list[str | None]) -> list[str | None]:
    """`Families.origin_sql` over the ids (stripped and lower-cased by the engine's node key)."""
    sql, params = families.origin_sql(
        f"(SELECT n AS node, {node_key('id')} AS key FROM ids)")
    connection = _SQL.cursor()
    connection.execute("CREATE OR REPLACE TEMP TABLE ids AS SELECT unnest(range(len($ids))) "
                       "AS n, unnest($ids::VARCHAR[]) AS id", {"ids": ids})
    found = dict(connection.execute(sql, params).fetchall())
    return [found.get(n) for n in range(len(ids))]


@settings(max_examples=300, deadline=None)
@given(st.lists(repo_ids, max_size=12))
def test_origin_sql_is_origin_of(ids) -> None:
    assert origins_in_sql(FAMILIES, ids) == [FAMILIES.origin_of(i) for i in ids]


# Namespaced ids built, not filtered out of repo_ids: Hypothesis's health check fails a test
# that throws most of its inputs away.
@settings(max_examples=100)
@given(st.lists(namespaced_ids, min_size=1, max_size=12))
def test_the_sql_patterns_are_origin_of(ids) -> None:
    families = FAMILIES
    patterns = families.origin_patterns()
    connection = _SQL.cursor()
    connection.register("ids", pa.table({"n": list(range(len(ids))), "id": ids}))
    connection.register("patterns", pa.table({
        "priority": list(range(len(patterns))), "pattern": [p for p, _ in patterns],
        "family": [f for _, f in patterns]}))
    connection.register("namespaces", pa.table({
        "namespace": list(families.origin_map()), "family": list(families.origin_map().values())}))
    got = connection.execute(
        "SELECT coalesce((SELECT arg_min(family, priority) FROM patterns "
        "WHERE lower(trim(id)) LIKE pattern ESCAPE '\\'), (SELECT family FROM namespaces WHERE "
        "namespace = split_part(lower(trim(id)), '/', 1))) FROM ids ORDER BY n").fetchall()
    assert [row[0] for row in got] == [families.origin_of(i) for i in ids]


def test_the_sql_form_escapes_like_wildcards() -> None:
    from hfexplore.knowledge.families import OriginPattern

    rule = OriginPattern("NS/a_b%c*", "A", "r")
    assert rule.like() == "ns/a\\_b\\%c%"
    connection = duckdb.connect()
    hits = [connection.execute("SELECT ? LIKE ? ESCAPE '\\'", [repo_id, rule.like()]).fetchone()[0]
            for repo_id in ("ns/a_b%c", "ns/a_b%cde", "ns/axb%c", "ns/a_bxc")]
    assert hits == [True, True, False, False]
    assert [rule.matches(i) for i in ("NS/A_B%C", "ns/a_b%cde", "ns/axb%c")] == [True, True,
                                                                                  False]
