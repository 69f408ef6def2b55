from annotator.tokens import char_span_to_tokens, tokenize


def texts(s):
    return [t.text for t in tokenize(s)]


def test_news_tokens():
    assert texts("Mr. Kim told Russia’s ambassador, Georgy Zinoviev.") == [
        "Mr.", "Kim", "told", "Russia", "’s", "ambassador", ",", "Georgy", "Zinoviev", "."
    ]
    assert texts("The U.N. said 16,985 people on Oct. 8 (NIS).") == [
        "The", "U.N.", "said", "16,985", "people", "on", "Oct.", "8", "(", "NIS", ")", "."
    ]
    assert texts("Kim Hong-kyun isn't S. Korean") == ["Kim", "Hong-kyun", "is", "n't", "S.", "Korean"]


def test_offsets_exact_with_emoji_cjk_combining_marks():
    s = "e\u0301te\u0301 👍🏽 東京\tx 👨\u200d👩\u200d👧!"
    toks = tokenize(s)
    for t in toks:
        assert s[t.start:t.end] == t.text
    assert "e\u0301te\u0301" in [t.text for t in toks]
    assert "👨\u200d👩\u200d👧" in [t.text for t in toks]


def test_char_span_to_tokens():
    toks = tokenize("Vice Foreign Minister Kim Hong-kyun said")
    assert char_span_to_tokens(toks, 22, 35) == (3, 4)
    assert char_span_to_tokens(toks, 23, 35) is None  # not on a token boundary
