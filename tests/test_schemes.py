from pathlib import Path

import pytest

from annotator.errors import SchemeError
from annotator.schemes import available_schemes, load_scheme, parse_scheme


def test_builtin_schemes():
    assert {"news", "conll"} <= set(available_schemes())
    news = load_scheme("news")
    assert news.label_names("entities") == [
        "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "DATE", "CARDINAL",
        "MONEY", "PERCENT", "TIME", "QUANTITY", "ORDINAL", "PRODUCT", "WORK_OF_ART", "LANGUAGE",
    ]
    # all 18 of spaCy's OntoNotes labels (issue 16.10)
    from annotator.suggest.labels import NEWS_LABELS

    assert set(news.label_names("entities")) == set(NEWS_LABELS)
    assert news.label_names("claims") == ["CLAIM", "SOURCE", "CUE"]
    assert {(r.name, r.head, r.child) for r in news.relations} == {
        ("source-of", "SOURCE", "CLAIM"), ("cue-of", "CUE", "CLAIM")
    }
    assert all(l.hotkey and l.color.startswith("#") and l.description for l in news.entities)
    assert load_scheme("conll").label_names("entities") == ["PER", "ORG", "LOC", "MISC"]
    assert news.layer_of("CUE") == "claims" and news.layer_of("GPE") == "entities"


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "bad.toml"
    p.write_text(body, encoding="utf-8")
    return p


def test_invalid_scheme_names_the_field(tmp_path):
    p = _write(tmp_path, 'name = "x"\n[[entities]]\nname = "A"\nhotkey = "1"\ncolor = "red"\n')
    with pytest.raises(SchemeError) as e:
        parse_scheme(p)
    assert "entities.0.color" in str(e.value) and str(p) in str(e.value)


def test_duplicate_hotkey_and_missing_entities(tmp_path):
    p = _write(tmp_path, 'name = "x"\n[[entities]]\nname = "A"\nhotkey = "1"\ncolor = "#ffffff"\n'
               '[[entities]]\nname = "B"\nhotkey = "1"\ncolor = "#ffffff"\n')
    with pytest.raises(SchemeError, match="hotkey '1' is used twice"):
        parse_scheme(p)
    p2 = _write(tmp_path, 'name = "x"\n')
    with pytest.raises(SchemeError, match="field entities"):
        parse_scheme(p2)


def test_bad_toml_and_unknown_scheme(tmp_path):
    p = _write(tmp_path, 'name = "x\n')
    with pytest.raises(SchemeError, match="not valid TOML"):
        parse_scheme(p)
    with pytest.raises(SchemeError, match="unknown scheme"):
        load_scheme("no-such-scheme")


def test_every_news_label_has_a_key_the_screen_binds() -> None:
    from annotator.models import LABEL_KEYS
    from annotator.tui.label_screen import LabelScreen
    from annotator.tui.widgets.label_bar import label_keys

    news = load_scheme("news")
    bound = {b.key for b in LabelScreen.BINDINGS if getattr(b, "id", "").startswith("label-")}  # type: ignore[union-attr]
    assert set(LABEL_KEYS) == bound
    keys = label_keys(news, "entities")
    assert [name for _, name in keys] == news.label_names("entities")  # every label shown with its key
    assert len({k for k, _ in keys}) == 18 and {k for k, _ in keys} <= bound
    # no label key shadows another binding of the labelling screen
    others = {k for b in LabelScreen.BINDINGS if not getattr(b, "id", "").startswith("label-")  # type: ignore[union-attr]
              for k in b.key.split(",")}  # type: ignore[union-attr]
    assert not others & bound


def test_hotkey_must_be_a_label_key(tmp_path):
    p = _write(tmp_path, 'name = "x"\n[[entities]]\nname = "A"\nhotkey = "a"\ncolor = "#ffffff"\n')
    with pytest.raises(SchemeError, match="hotkey 'a' is not a label key"):
        parse_scheme(p)


def test_maps_point_at_the_schemes_labels(tmp_path):
    p = _write(tmp_path, 'name = "x"\n[[entities]]\nname = "A"\nhotkey = "1"\ncolor = "#ffffff"\n'
               '[maps.conll]\nPER = "PERSON"\n')
    with pytest.raises(SchemeError, match="maps.conll.PER: PERSON is not an entities label"):
        parse_scheme(p)
    assert load_scheme("news").maps["conll"] == {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE", "MISC": ""}
