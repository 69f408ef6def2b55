"""brat fixtures written at test time (small texts made up for the tests, not corpus data).

They are kept as strings rather than ``.ann`` files so that nothing in the repository looks
like a copy of PolNeAR; :func:`brat_fixtures` writes them under a folder and returns it.
"""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    'brat_flat/news.ann': 'T1\tPERSON 0 13\tAngela Merkel\nT2\tGPE 22 27\tParis\nT3\tPERSON 47 62\tEmmanuel Macron\nT4\tPERSON 39 42\tShe\nR1\tcoref Arg1:T4 Arg2:T1\n',
    'brat_flat/news.txt': 'Angela Merkel visited Paris on Monday.\nShe met Emmanuel Macron there.\n',
    'brat_polnear/attributions/doc1_aa11.ann': 'T1\tSource 0 9\tMr. Smith\nT2\tCue 10 14\tsaid\nT3\tContent 15 29\tthe plan works\nT4\tAttribution 10 14\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\nT5\tSource 58 60\the\nT6\tCue 61 66\tadded\nT7\tContent 50 56;68 81\tOthers "will see" it\nT8\tAttribution 61 66\tadded\nE2\tAttribution:T8 Content:T7 Cue:T6 Source:T5\n#1\tAnnotatorNotes T7\tdiscontinuous\n',
    'brat_polnear/attributions/doc1_bb22.ann': 'T1\tSource 0 9\tMr. Smith\nT2\tCue 10 14\tsaid\nT3\tContent 15 30\tthe plan works.\nT4\tAttribution 10 14\tsaid\nE1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\nT5\tDiscuss 31 47\tCritics disagree\n',
    'brat_polnear/text/doc1.txt': 'Mr. Smith said the plan works. Critics disagree.\n\nOthers, he added, "will see" it.\n',
}


def brat_fixtures(root: Path) -> Path:
    """Write every brat fixture under ``root`` (``brat_flat/``, ``brat_polnear/``) and return it."""
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
