"""The export's fast paths give exactly what the slow, obvious code gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.tokens import tokenize, token_spans

# Pieces that exercise every rule of the tokenizer, glued by every kind of whitespace.
PIECES = [
    "Mr.", "Mr", "mr.", "U.N.", "U.S", "S.", "A.B.C.", "Oct.", "etc..", "St..x", "e.g.", "No.5", "www.", "www.x.org",
    "http://a.b/c).", "https://x.io/?q=1,", "a.b@c.de", "x+y@z-w.com.", "16,985", "3.5", "10:30", "1st", "22nd",
    "don't", "can’t", "n't", "N'T", "it's", "Russia's", "'s", "O'Brien", "rock'n'roll", "we're", "I'd", "you'll",
    "Hong-kyun", "well‐known", "a‑b", "-", "--", "...", ".", ",", "!?", "(", ")", "\"", "'", "’", "”", "«»",
    "café\u0301", "e\u0301", "\u0301", "東京", "👋🏽", "👨\u200d👩\u200d👧", "🚀", "\ufe0f", "_", "a_b", "x1", "1x",
    "Zoë", "İstanbul", "ß", "ǅ", "Ⅻ", "²", "٣", "ab.", "A.", "I.", "Jan.", "jan.", "Mt..", "said,", "Moscow.",
]
SPACES = ["", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\x85", "\u2028", "\x0b"]

texts = st.one_of(
    st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(SPACES)), max_size=30).map(
        lambda xs: "".join(p + s for p, s in xs)),
    st.lists(st.sampled_from(list("aZ.'’-@:/,1 \t\n\u00a0é\u0301_wh") + ["n't", "Mr.", "www.", "http://"]),
             max_size=40).map("".join),
    st.text(max_size=60),
)


@settings(max_examples=3000, deadline=None)
@given(texts)
def test_token_spans_is_tokenize(text: str) -> None:
    assert token_spans(text) == [(t.start, t.end) for t in tokenize(text)]


def test_token_spans_examples() -> None:
    for text in ["Mr. Smith of the U.N. said it's 16,985.", "東京 👋🏽 café\u0301\tx", "Oct. 3 at St. Paul's",
                 "Mr... and S.. and www. x", "", "   ", "a"]:
        assert token_spans(text) == [(t.start, t.end) for t in tokenize(text)]
