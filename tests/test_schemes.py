from pathlib import Path

import pytest

from annotator.errors import SchemeError
from annotator.schemes import available_schemes, load_scheme, parse_scheme


def test_builtin_schemes():
    assert {"news", "conll"} <= set(available_schemes())
    news = load_scheme("news")
    assert news.label_names("entities") == [
        "PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "LAW", "DATE", "CARDINAL"
    ]
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
