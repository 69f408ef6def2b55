"""Cleaning a news article saved as plain text: keep the title and the story, drop the page.

Pages saved as text carry navigation ("HomeNEWSWORLD…"), empty metadata labels ("Last
update:"), share counters ("16,985FansLike"), calls to action ("Must Read", "LEAVE A REPLY",
"Please enter your comment!"), syndication notes and site names. Each line is classified on
its own, then a trailing block of short lines after the story is dropped as a whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FURNITURE_PHRASES = {
    "stay connected", "must read", "related news", "related articles", "related stories",
    "related", "read more", "read also", "also read", "more from", "more stories",
    "recommended", "recommended for you", "trending", "trending now", "most popular",
    "most read", "popular posts", "latest news", "top stories", "leave a reply",
    "leave a comment", "post a comment", "comments", "comment", "please enter your comment!",
    "please enter your name here", "you have entered an incorrect email address!",
    "please enter your email address here", "share", "share this", "share this article",
    "share on facebook", "share on twitter", "tweet", "email", "print", "follow us",
    "follow us on", "subscribe", "subscribe now", "sign up", "sign in", "log in", "login",
    "advertisement", "sponsored", "sponsored content", "skip to content", "skip to main content",
    "menu", "search", "home", "news", "close", "back to top", "next article", "previous article",
    "tags", "topics", "cookie policy", "privacy policy", "terms of use", "all rights reserved",
    "watch", "listen", "photos", "videos", "newsletter", "whatsapp", "telegram", "facebook",
    "twitter", "instagram", "linkedin", "youtube", "reddit", "pinterest", "copy link",
}
_FURNITURE_PHRASES = {p.rstrip(" :.!") for p in _FURNITURE_PHRASES}
_FURNITURE_PATTERNS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^home\s*(?:[A-Z][A-Z&\-]+\s*){1,6}",  # breadcrumb: "HomeNEWSWORLD…"
        r"^(?:last\s+)?(?:update|updated|published|first published|posted|modified)(?:\s+on)?\s*:?\s*"
        r"(?:[\w ,:.+\-/]{0,40})$",  # "Last update:", "Updated: Oct 28, 2024 10:15 IST"
        r"^[\d.,]+\s*[kKmM]?\s*(?:fans?|followers?|subscribers?|likes?|shares?|views?|comments?|"
        r"members?|readers?)\s*(?:like|follow|subscribe|share)?$",  # "16,985FansLike"
        r"^\(?this (?:story|article|report) (?:was|has) (?:not )?(?:been )?(?:edited|published|"
        r"generated|auto-generated).*\)?$",  # syndication notes
        r"^(?:also read|read more|read also|read|see also|watch|must watch|click here|"
        r"follow us|download the|get the latest|catch all the|first published)\b.{0,200}$",
        r"^(?:copyright|©|\(c\)).{0,120}$",
        r"^(?:tags?|topics?|filed under)\s*:.{0,200}$",
        r"^(?:by|written by|reported by|edited by)\s+[\w .,'’\-]{1,60}$",  # by-lines
        r"^(?:image|photo|picture|video)\s*(?:credit|source)?\s*:.{0,120}$",
        r"^[\w .’'&\-]{1,40}\s+[–—-]\s+source$",  # "NIRMAL NEWS – SOURCE"
    )
]
_SITE_SUFFIX = re.compile(r"\s+[–—|\-]\s+[\w .’'&]{2,30}$")
_TRUNCATED = re.compile(r"(?:\.\.\.|…)$")
_SENTENCE_END = re.compile(r"[.!?…\"”’)]$")


@dataclass
class Article:
    """A cleaned article: the title and the story's paragraphs, in order."""

    title: str
    paragraphs: list[str]

    @property
    def text(self) -> str:
        """The document text units are cut from: title, blank line, paragraphs."""
        parts = ([self.title] if self.title else []) + self.paragraphs
        return "\n\n".join(parts)


def _words(line: str) -> int:
    return len(line.split())


def is_furniture(line: str) -> bool:
    """Whether one line of a saved page is page furniture rather than story."""
    s = line.strip()
    if not s:
        return False
    low = s.lower().rstrip(" :.!»>›")
    if low in _FURNITURE_PHRASES:
        return True
    if any(p.search(s) for p in _FURNITURE_PATTERNS):
        return True
    letters = [c for c in s if c.isalpha()]
    if letters and _words(s) <= 6 and all(c.isupper() for c in letters) and not _SENTENCE_END.search(s):
        return True  # "LEAVE A REPLY", "NIRMAL NEWS"
    if not letters and _words(s) <= 3:
        return True  # "16,985", "|", "•"
    return False


def _looks_like_title(line: str) -> bool:
    n = _words(line)
    return 3 <= n <= 30 and not line.rstrip().endswith(".") and not _TRUNCATED.search(line.strip())


def strip_site_suffix(title: str) -> str:
    """"Seoul Summons … Russia – News18" -> "Seoul Summons … Russia"."""
    m = _SITE_SUFFIX.search(title)
    if m and _words(m.group()) <= 4 and _words(title[: m.start()]) >= 3:
        return title[: m.start()].rstrip()
    return title


def clean_article(raw: str) -> Article:
    """Split a saved page into title and story paragraphs, dropping page furniture."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n[ \t]*\n", text) if re.search(r"\n[ \t]*\n", text) else text.split("\n")
    # Lines inside a block are joined back with a newline only if they are all story.
    kept: list[str] = []
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n")]
        story = [ln for ln in lines if ln and not is_furniture(ln)]
        if story:
            kept.append("\n".join(story) if len(story) > 1 else story[0])
    # A trailing run of short, unpunctuated blocks after the story is the page's footer.
    while kept and _words(kept[-1]) <= 6 and not _SENTENCE_END.search(kept[-1]):
        kept.pop()
    title = ""
    if kept and _looks_like_title(kept[0]):
        title = strip_site_suffix(kept.pop(0))
        # The first line may repeat the title with a breadcrumb in front of it.
    if kept and title and kept[0] == title:
        kept.pop(0)
    return Article(title=title, paragraphs=kept)
