from annotator.ingest.clean import clean_article, is_furniture
from annotator.ingest.segment import split_units

from conftest import SEED

FURNITURE = [
    "HomeNEWSWORLD", "Last update:", "16,985FansLike", "2,458FollowersFollow",
    "61,453SubscribersSubscribe", "Stay Connected", "Must Read", "Related News", "LEAVE A REPLY",
    "Please enter your comment!", "Please enter your name here", "NIRMAL NEWS – SOURCE",
    "(This story was not edited by News18 staff", "– News18",
]


def seed_units() -> list[str]:
    article = clean_article(SEED.read_text(encoding="utf-8"))
    text = article.text
    return [text[s:e] for s, e in split_units(text)]


def test_seed_title_and_story_kept():
    article = clean_article(SEED.read_text(encoding="utf-8"))
    assert article.title == "Seoul Summons Ambassador to Moscow, Demands North Korean Troops Leave Russia"
    units = seed_units()
    assert units[0] == article.title
    starts = [
        "About 1,500 North Korean special forces soldiers are already in Russia for acclimatization",
        "South Korea summoned Russia’s ambassador to Seoul on Monday",
        "About 1,500 North Korean special forces soldiers are already acclimatizing in Russia",
        "South Korea, which has long claimed",
        "Vice Foreign Minister Kim Hong-kyun expressed",
        "Kim told Russia’s ambassador to South Korea, Georgy Zinoviev,",
        "It also “stressed that such actions violate",
        "– S. Koreans in Ukraine? –",
        "On Friday, Seoul’s National Intelligence Service (NIS) released",
        "Seoul’s spy agency said that between Oct. 8 and 13,",
        "The first contingent of troops",
        "The special forces “are expected",
        "The NIS also said on Friday",
        "Pyongyang and Moscow have been allies",
        "Last week, Ukrainian President Volodymyr Zelensky noted",
        "Ukrainian media reported earlier this month",
    ]
    for start in starts:
        assert sum(u.startswith(start) for u in units) == 1, start
    # the abbreviation inside a sentence does not split it
    assert any("between Oct. 8 and 13, “North Korea transported" in u for u in units)


def test_seed_furniture_dropped():
    joined = "\n".join(seed_units())
    for junk in FURNITURE:
        assert junk not in joined, junk


def test_is_furniture_lines():
    for line in ["Last update:", "Updated: Oct 28, 2024, 10:15 IST", "16,985FansLike", "Must Read",
                 "LEAVE A REPLY", "Please enter your comment!", "Share this article", "Advertisement",
                 "Tags: North Korea, Russia", "Also Read: Something else happened"]:
        assert is_furniture(line), line
    for line in ["South Korea summoned Russia’s ambassador to Seoul on Monday.", "– S. Koreans in Ukraine? –",
                 "Kim said: “No.”"]:
        assert not is_furniture(line), line
