"""Model: a spaCy pipeline the test builds, saves and loads back by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.errors import UserError
from annotator.models import Unit, check_spans
from annotator.schemes import load_scheme
from annotator.suggest import build_suggesters
from annotator.suggest.model import ModelSuggester


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import spacy

    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "PER", "pattern": "Olena Kovalenko"},
        {"label": "ORG", "pattern": "Zorya Group"},
        {"label": "LOC", "pattern": "Lviv"},
    ])
    nlp.meta["name"] = "tiny"
    nlp.meta["version"] = "0.0.7"
    path = tmp_path_factory.mktemp("model") / "tiny"
    nlp.to_disk(path)
    return path


def test_model_by_path_maps_labels(pipeline_dir: Path) -> None:
    """A CoNLL-labelled pipeline on the news scheme goes through the scheme's [maps.conll]
    (LOC -> GPE), and says so once (issue 16.10: it was used silently, LOC kept as LOC)."""
    from annotator.suggest.model import LabelMappingWarning

    text = "Olena Kovalenko of the Zorya Group flew to Lviv."
    with pytest.warns(LabelMappingWarning, match=r"model:tiny has conll labels; mapped through the news scheme's "
                                                 r"\[maps.conll\]: LOC->GPE, ORG->ORG, PER->PERSON"):
        sug = ModelSuggester(load_scheme("news"), str(pipeline_dir))
    assert sug.name == "model:tiny" and sug.version == "0.0.7"
    out = sug.suggest([Unit(id=1, text=text)])[0]
    check_spans(text, out.spans, out.relations)
    assert {(text[s.start : s.end], s.label) for s in out.spans} == {
        ("Olena Kovalenko", "PERSON"), ("Zorya Group", "ORG"), ("Lviv", "GPE"),
    }
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the conll scheme speaks the pipeline's labels: nothing to say
        conll = ModelSuggester(load_scheme("conll"), str(pipeline_dir)).suggest([Unit(text=text)])[0]
    assert {(text[s.start : s.end], s.label) for s in conll.spans} == {
        ("Olena Kovalenko", "PER"), ("Zorya Group", "ORG"), ("Lviv", "LOC"),
    }


def test_label_maps_through_the_scheme() -> None:
    from annotator.suggest.model import model_label_map

    news, conll = load_scheme("news"), load_scheme("conll")
    mapping, note = model_label_map(news, ["PER", "ORG", "LOC", "MISC"], "m")
    assert mapping == {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"} and note is not None and "dropped MISC" in note
    mapping, note = model_label_map(conll, ["PERSON", "GPE", "NORP", "MONEY"], "m")
    assert mapping == {"PERSON": "PER", "GPE": "LOC", "NORP": "MISC"} and "dropped MONEY" in (note or "")
    assert model_label_map(news, ["PERSON", "GPE", "MONEY"], "m")[1] is None
    mapping, note = model_label_map(news, ["PERSON", "ANIMAL"], "m")
    assert mapping == {"PERSON": "PERSON"} and "(ANIMAL)" in (note or "") and "dropped" in (note or "")


def test_model_comes_first_in_build_suggesters(pipeline_dir: Path) -> None:
    names = [s.name for s in build_suggesters(load_scheme("news"), model=str(pipeline_dir))]
    assert names == ["model:tiny", "news-rules", "claims"]


def test_missing_model_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot load spaCy pipeline"):
        ModelSuggester(load_scheme("news"), str(tmp_path / "nope"))


def test_a_cut_off_config_is_a_one_line_error_naming_the_file(pipeline_dir: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(pipeline_dir, broken)
    config = broken / "config.cfg"
    config.write_text(config.read_text()[:40])  # cut off inside [nlp]: no tokenizer
    with pytest.raises(UserError) as err:
        ModelSuggester(load_scheme("news"), str(broken))
    message = str(err.value)
    assert message.startswith(f"cannot load spaCy pipeline {str(broken)!r}: {config}: invalid config: ")
    assert "\n" not in message and len(message) > len(f"cannot load spaCy pipeline {str(broken)!r}: {config}: invalid config: ")
