from annotator.ingest.segment import build_units, paragraphs, split_units


def sents(text):
    return [text[s:e] for s, e in split_units(text)]


def test_news_abbreviations_do_not_split():
    t = ("Seoul’s spy agency said that between Oct. 8 and 13, troops moved. S. Koreans in Ukraine? "
         "The U.N. Security Council met. Mr. Kim left.")
    assert sents(t) == [
        "Seoul’s spy agency said that between Oct. 8 and 13, troops moved.",
        "S. Koreans in Ukraine?",
        "The U.N. Security Council met.",
        "Mr. Kim left.",
    ]


def test_paragraph_breaks_always_split():
    t = "A heading without a period\n\nThe story starts here. It goes on\n\nand on"
    assert sents(t) == ["A heading without a period", "The story starts here.", "It goes on", "and on"]


def test_quotes_and_stray_period():
    t = "He said the threat was “real.” It also “stressed” it. The end was true. ."
    assert sents(t) == ["He said the threat was “real.”", "It also “stressed” it.", "The end was true. ."]


def test_lines_are_paragraphs_without_blank_lines():
    assert paragraphs("one\ntwo\n") == [(0, 3), (4, 7)]


def test_units_offsets_point_into_text():
    t = "Title\n\nFirst 👍🏽 sentence. Second 東京 one."
    for u in build_units(t):
        assert t[u.start:u.end] == u.text
    assert [u.position for u in build_units(t)] == [0, 1, 2]
    assert [u.text for u in build_units(t, "paragraph")] == ["Title", "First 👍🏽 sentence. Second 東京 one."]
