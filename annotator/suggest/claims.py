"""Attribution: reporting cues, the SOURCE they attach to and the CLAIM content (PARC/PolNeAR).

Patterns, per sentence of a unit:

- ``SOURCE CUE (that) CLAIM`` — "Seoul's spy agency said that ...";
- ``CLAIM, SOURCE CUE`` and ``CLAIM, CUE SOURCE`` — "..., the foreign ministry said";
- ``according to SOURCE, CLAIM`` and ``CLAIM, according to SOURCE``;
- ``SOURCE: "CLAIM"`` — a colon after a speaker, followed by a quotation.

Spans go on the ``claims`` layer with relations ``source-of`` (SOURCE -> CLAIM) and ``cue-of``
(CUE -> CLAIM). A quotation that runs over several sentences of the unit is followed to its
closing mark.

Boundaries follow PolNeAR's conventions, worked out from its train split (no word or name of
it is copied here): a SOURCE keeps its appositive ("Jane Roe, 52, a lawyer for the city,")
but not an aside ("Roe, however,"); a CUE keeps the auxiliaries, modals and adverbs before
its verb ("has repeatedly said"); a quoted CLAIM before its cue runs on over the quotation
that opens the next sentence (“It will pass,” she said. “We have the votes.” is one CLAIM);
a passive cue ("it was reported") has no SOURCE before it; under "according to" or an opening
"In a poll ..., " only the outer attribution is cued; multiword cues ("went on to say", "made
it clear", "lashed out at", "expressed concern about", "took issue with", "as Roe put it",
"said with a grin", "said in a statement:") are one CUE; "reportedly" with no cue verb after it
and a stance adjective after "be" ("were adamant that") are cues too.

Besides speech verbs, PolNeAR marks beliefs, wishes and stances as cues ("the senator thinks",
"voters want", "the mayor backed"): the word lists are written here, and each word was kept
only where PolNeAR train marks it a cue about half the time or more (the last batch, "read",
"tell", "considering" ..., about two times in five or more: a cue right that often still adds
to the CUE F1, whose break-even precision is half the F1). Such a verb is a cue
only under gates (``_stance_use``): outside a quotation, not an imperative, infinitive, noun
or adjective, not in a relative clause on people ("voters who want ..."), not "I think" in a
transcript turn, and not inside the content of an earlier reporting verb ("voters said they
want ..."), where PolNeAR seldom marks a second cue; after a modal it stays ("would want").
Version 6 also drops cues that PolNeAR seldom marks: a verb joined to another by "and"/"or"
("says and promises"), a relative "that" with no speaker, a participle after a noun ("a plan
backed by"), the talk after a transcript's speaker label.

Version 7, each change kept only where it raised the CUE (or the SOURCE) exact F1 on PolNeAR
train, dev left unseen until the end. New cues: a stance adjective after "be" with its
preposition ("was critical of", "are skeptical of", "is confident in"); "known as" and
"(be) regarded as"; "in a ... poll" after a finding, the poll as source; "reports" after a
named outlet; "wrote/posted on Twitter"; a dash signing a quotation ("“...” - Ann Roe") and a
byline after a dash before a colon and a quotation; a stance verb in a clause a comma opens a
few words before it, though a reporting verb comes earlier in the sentence ("the mayor said
the vote was fair, while the clerk found the count slow"). Fewer false cues: "called"
between a noun and a name ("a group called Clean Rivers"), an -ing noun after an adjective
("a solid showing in the county"), "about" before a number ("said about half"). Sources: a name or party tag between commas
after a description ("A lawyer for the city, Jane Roe, said"; "Ann Roe, R-Ohio,"; "said Ann
Roe, Republican of Ohio"; "(D-Ohio)"), the subject of a progressive cue ("is backing"), a
time between an appositive and its cue skipped, "what" closing a source, the agent after
"by" ("was criticized by ..."), "he's said" read as "has", "and" between two plural nouns,
longer sources both ways (20 words back, to the sentence end forward), the speaker after a
stance verb after a closed quotation, a gerund after a comma sharing the source of the cue
before it; none for a cue of seeming ("the senator seemed to ..."), and none read after the
cue when more of the clause follows and the content before is not quoted ("Roe, Springfield
clerk, said the dam will hold because ..."). A quotation of one to three words
is a claim ("“Never,” said the mayor").
"""

from __future__ import annotations

from collections.abc import Sequence

from annotator.models import Relation, Scheme, Span, Suggestion, Unit
from annotator.suggest.lexicon import ATTITUDE_VERBS, TITLES
from annotator.suggest.text import Toks, trusted_ref, trusted_relation, trusted_suggestion, unit_tokens


#: Speech, reporting and stance verbs: usually a cue wherever they occur. Bare forms that
#: are mostly nouns or idioms ("the United States", "a report", "I can't tell") are left out.
CORE_CUES: frozenset[str] = frozenset(
    """
    say says said saying tells told telling add adds added adding note noted noting
    warn warns warned warning write writes wrote written writing explain explains explained
    explaining argue argues argued arguing claimed claiming insist insists insisted insisting
    announce announces announced announcing reported reporting tweeted tweeting acknowledge
    acknowledges acknowledged acknowledging admit admits admitted declare declares declared
    reiterate reiterates reiterated emphasized emphasised stressed stresses stressing stated
    asserted asserts contend contends contended maintained alleged alleges testified testifies
    replied responded commented remarked observed mentioned predicted predicts deny denies
    denied denying confirm confirms confirmed confirming reveal reveals revealed disclosed
    recalled recalls concede concedes conceded complained complains cautioned urge urges urged
    urging quipped joked boasted vowed vows promised suggest suggests suggested suggesting
    concluded asked asking described describing accused accusing criticized criticizes
    criticised criticizing praised praising defended defending questioned declined cited
    citing blamed blames rejected dismissed endorsed endorses refused refuses proposes proposed
    expected seemed seems appears appeared showed shows finds agreed continued offered hopes
    hoped sought seeks opposed supported called calling calls named doubts reads predicted
    estimated lamented remarked hailed decried speculated blasted reiterated asserted condemned
    touted wondered replied emphasized expressed complained indicated signaled signalled
    reminded thanked ordered slammed assured mocked revealed reportedly forecast mentioned
    attacked encouraged posted applauded recommended congratulated challenged requested
    charged pushed
    """.split()
) - frozenset(
    # measured as cues less than a third of the time in news text
    """maintained alleged alleges reporting explain explains written writing write writes note add
    adds doubts expected seems pushed expressed posted charged warning reportedly defending
    announce applauded""".split()
)

#: Feelings and stances voiced ("expressed concern"), which belong to the cue of "expressed".
_FEELINGS = frozenset(
    """concern concerns support frustration hope hopes confidence doubt doubts skepticism scepticism interest
    surprise disappointment regret optimism pessimism sympathy outrage anger dismay alarm gratitude admiration
    opposition reservations""".split()
)
#: Verbs whose particle belongs to the cue ("pointed out", "called for"); some are cues only with it.
PARTICLES: dict[str, frozenset[str]] = {
    "pointed": frozenset({"out", "to"}), "points": frozenset({"out", "to"}), "pointing": frozenset({"out", "to"}),
    "point": frozenset({"out", "to"}),
    "referring": frozenset({"to"}), "referred": frozenset({"to"}), "refers": frozenset({"to"}),
    "talked": frozenset({"about"}),
    "called": frozenset({"for", "on", "out", "upon"}), "calls": frozenset({"for", "on", "out", "upon"}), "calling": frozenset({"for", "on", "out", "upon"}),
    "asked": frozenset({"about", "for"}), "spoke": frozenset({"about", "of"}),
    "warned": frozenset({"of", "against"}), "agreed": frozenset({"with"}), "wrote": frozenset({"about"}),
    "joked": frozenset({"about"}), "boasted": frozenset({"of", "about"}), "complained": frozenset({"about"}),
    "responded": frozenset({"to"}), "responds": frozenset({"to"}), "respond": frozenset({"to"}),
    "talks": frozenset({"about"}), "commented": frozenset({"on"}), "accused": frozenset({"of"}),
    "cautioned": frozenset({"against"}), "asking": frozenset({"for"}), "argued": frozenset({"for", "against"}),
    # phrasal verbs of speech, finite forms only ("to push back" is an aim)
    "railed": frozenset({"against"}), "rails": frozenset({"against"}), "laid": frozenset({"out"}), "lays": frozenset({"out"}),
    "shot": frozenset({"back"}), "shoots": frozenset({"back"}), "fired": frozenset({"back"}), "fires": frozenset({"back"}),
    "lashed": frozenset({"out"}), "lashes": frozenset({"out"}), "weighed": frozenset({"in"}), "weighs": frozenset({"in"}),
    "spelled": frozenset({"out"}), "spells": frozenset({"out"}),
    # stances taken by a vote, a push or a feeling voiced
    "talking": frozenset({"about"}), "voted": frozenset({"for", "against"}), "votes": frozenset({"for", "against"}),
    "pushed": frozenset({"for"}), "pushes": frozenset({"for"}),
    "expressed": _FEELINGS, "expresses": _FEELINGS,
    # idioms of a stance taken ("sided with", "went after", "stood by", "took issue with", "took aim at")
    "sided": frozenset({"with"}), "sides": frozenset({"with"}), "went": frozenset({"after"}), "goes": frozenset({"after"}),
    "stood": frozenset({"by"}), "stands": frozenset({"by"}),
    "took": frozenset({"issue", "aim"}), "takes": frozenset({"issue", "aim"}), "taking": frozenset({"issue", "aim"}),
}
_PHRASAL = frozenset("railed rails laid lays shot shoots fired fires lashed lashes weighed weighs spelled spells expressed expresses took takes taking".split())
#: Prepositions that close a phrasal cue ("lashed out at", "weighed in on", "fired back at").
_PHRASAL_PREP: dict[str, frozenset[str]] = {
    "back": frozenset({"at"}), "out": frozenset({"at"}), "in": frozenset({"on"}), "issue": frozenset({"with"}), "aim": frozenset({"at"}),
    **dict.fromkeys(_FEELINGS, frozenset({"about", "for", "over", "at", "with"})),  # "expressed concern about"
}
#: Particles that join a cue found without them ("worried about"): the verb is a cue alone too.
_CUE_PARTICLES: dict[str, frozenset[str]] = {
    **PARTICLES, "worried": frozenset({"about"}), "worries": frozenset({"about"}),
    "believe": frozenset({"in"}), "believes": frozenset({"in"}), "believed": frozenset({"in"}),  # "believes in"
    "remarked": frozenset({"upon", "on"}), "agreed": frozenset({"with", "on"}),
    # a message sent out or answered ("tweeted out", "blasted out", "shouted out", "wrote back")
    **dict.fromkeys("tweet tweets tweeted tweeting blasted blasting blasts shouted shouting".split(), frozenset({"out", "back"})),
    **dict.fromkeys("writes wrote chanted chanting".split(), frozenset({"back"})),
}


def _particle_end(lower: list[str], k: int, b: int) -> int:
    """The last token of the cue verb at ``k`` with its particle at ``k + 1``, and the
    preposition that closes a phrasal verb of speech ("lashed out at", "weighed in on")."""
    end = k + 1
    if end + 1 < b and lower[k] in _PHRASAL and lower[end + 1] in _PHRASAL_PREP.get(lower[end], ()):
        end += 1
    return end


def _about_a_number(after: str) -> bool:
    """Whether "about" before ``after`` means "roughly" ("said about half of", "about 40
    percent", "about a third"), not the topic of the cue."""
    return after[:1].isdigit() or after in _ROUGHLY


_ROUGHLY = frozenset("half one two three four five six seven eight nine ten dozen twenty thirty forty fifty hundred thousand million billion".split())


def _particle(w: str, nxt: str, after: str = "") -> bool:
    """Whether ``nxt`` after the cue verb ``w`` is part of the cue: its own particle ("pointed
    out", "called for"), or "about" after any verb of speech or thought ("said about",
    "wrote about", "thinks about"), which names the topic the way the particle does."""
    return nxt in _CUE_PARTICLES.get(w, ()) or (nxt == "about" and w in _ABOUT_VERBS and not _about_a_number(after))


#: Verbs that are a cue with the verb after their "to" ("continued to insist"), or alone at
#: the end of an attribution ("..., he continued.").
_CONTINUE = frozenset("continued continues continuing".split())
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())

#: Attitude verbs: cues when "that" follows ("they believe that ...").
SOFT_CUES: frozenset[str] = frozenset(
    """
    believes believed fear fears feared worry worries worried expect expects show find
    indicate indicates indicated demand demands demanded agree agrees warn
    """.split()
)

_CUE_ADVERBS = frozenset(
    "just often even always also previously later repeatedly recently then again once reportedly publicly privately never not "
    "first now since initially originally once already still further long both finally soon only".split()
)
_MEDIA = frozenset("statement tweet post letter email e-mail speech release op-ed memo video radio".split())
#: Words before a verb that make it no attribution ("by saying", "as if to say", "let me say"); after a
#: modal it stays one ("would say", "could declare": PolNeAR train marks it about two times in five).
_NOT_CUE_BEFORE = frozenset("as in of for me to let just".split())
_BARE = frozenset("say tell know think believe see show find call suggest hope agree expect add note write argue insist warn urge deny confirm admit declare point".split())
_IN_MEDIA = frozenset("poll polls survey surveys study".split())
_AUX_VERBS = frozenset("has have had would did does do is was were are".split())
#: Attitude and stance verbs (lexicon.ATTITUDE_VERBS) beyond the core: cues when used as verbs.
WIDE_CUES: frozenset[str] = ATTITUDE_VERBS - CORE_CUES - SOFT_CUES - frozenset(PARTICLES) - frozenset(
    # forms measured as cues less than a third of the time in news text (mostly nouns or other senses)
    "writing written finding promise demanding quotes".split()
)
#: Verbs of belief, perception, wish and stance that PolNeAR marks as cues when a third party
#: holds them ("the senator thinks", "voters want", "the mayor backed"): cues only outside a
#: quotation and under the gates of ``_stance_use``.
STANCE_CUES: frozenset[str] = frozenset(
    """
    think thinks know knows see sees thinks considers considered realized realizes recognized
    remembered remembers wants want wanted backed backing backs supports supporting oppose opposes
    discussed discussing questioning highlighted describes repeated praises answered welcomed
    clarified pledges pledged blame learned doubt intend remember reject rejects reaffirmed prefers
    preferred fearing downplayed disputed announces expecting insists explains admits writes
    recognize recognizes asks ask stating show proposing denouncing acknowledging acknowledges
    threatening refuse refusing loves lamenting dismissing believing applaud applauded adds
    understand seeks labeled imagined deemed deems convinced thought knew knowing defending appear
    seems consider echoed vowing repeating favor endorse endorsing determined viewed identified
    doubted believes believed fear feared worries worried expect expects claims emailed shouted
    chanted alleged remarking slamming assailed lists bashing lambasted chided scolded rebuked
    lauded demands pledging swore projected concludes concluding envisioned alleging assures
    bemoaned credited defends emphasize emphasizing estimate explain indicates recounted surmised
    yelled thanking recommends criticize chastised confided fumed implored scoffed taunted mused
    derided derides deriding likened likens likening invoked invokes invoking retweeted trumpeted
    trumpeting mocked mocks mocking belittled belittling berated berating hinted underscored
    underscores underscoring disavowed disavows castigated championed reminds reminding protested
    wondering pondered emphasizes outlining characterizes labeling hailing
    read tell considering titled warning challenging describe debated conclude announce resisted
    discuss alleges nominated pronounced determining planned addressed attacking estimates claim
    echoing advising decided decide blocked chanting seeking planning
    referenced referencing dubbed documented rebuffed embraced knocked
    barked chiding recounts heralded contradicted mulling billed envision crediting rebut contrasting contrasted blaming
    champions embraces reprimanded persuaded listed recognizing remembering illustrates demonstrates promotes interpret
    articulated advocated highlights
    savaging relished rips pressured calculates pegs contemplate revered foreshadowed angered
    complaints sounded ruled exposed understood ignored attributed sentenced disregarded ordering authored vetoed
    reaffirming groused posited commended outlines whispered disclosing affirmed perceives shown showing
    imposed negotiated swears rebutted discloses intimated
    """.split()
) - CORE_CUES - WIDE_CUES - frozenset(PARTICLES)
#: Stance gerunds that are a cue only in the present progressive ("the city is seeking ...",
#: "they are planning ..."), not as a participle after a noun ("groups seeking help").
_PRESENT_PROGRESSIVE = frozenset("seeking planning".split())
_PRESENT_BE = frozenset("is are ’s 's ’re 're am".split())
#: Verbs that take "about" into the cue (see ``_particle``).
_ABOUT_VERBS: frozenset[str] = (CORE_CUES | STANCE_CUES | WIDE_CUES) - frozenset(
    "asked asking called calls calling expected".split()  # "asked about": PolNeAR keeps "asked" alone
)
#: Reporting verbs that tell of an event or a stance more than of words spoken ("appeared",
#: "offered", "declined"): cues under the same two gates as the stance verbs, not after "to"
#: and not inside the content of an earlier reporting verb (``_own_clause``).
_EVENT_CUES = frozenset(
    """appeared appears seemed shows showed supported sought offered hoped hopes refused declined
    endorsed agreed admitted mentioned confirmed revealed indicated disclosed respond responding
    responded congratulated announcing acknowledge reveal contend named""".split()
)
#: Words after a verb that give it a sense other than reporting or stance ("appeared at a
#: rally", "showed up", "backed away", "found himself", "added to his lead", "in the hopes of",
#: "reported from Washington").
_OTHER_SENSE: dict[str, frozenset[str]] = {
    **dict.fromkeys("appear appears appeared appearing".split(),
                    frozenset("at on in with before alongside together onstage briefly".split())),
    **dict.fromkeys("show shows showed showing".split(), frozenset(["up"])),
    **dict.fromkeys("back backs backed backing".split(), frozenset("away down off out".split())),
    **dict.fromkeys("call calls called calling".split(), frozenset("off back in".split())),
    **dict.fromkeys("supports supported supporting".split(), frozenset(["by"])),
    **dict.fromkeys("add adds added adding".split(), frozenset(["to"])),
    **dict.fromkeys("hope hopes".split(), frozenset(["of"])),
    "found": frozenset("himself herself themselves itself ourselves guilty dead a ways".split()),
    "named": frozenset(["after"]), "opposed": frozenset(["to"]), "reported": frozenset(["from"]),
}
#: Verbs whose passive names, finds or informs rather than reports ("is called", "was
#: found", "were told"), unless an agent or a that-clause follows ("was reported by",
#: "it was reported that").
_NO_PASSIVE = frozenset("called found told reported assured denied identified dismissed written".split())


def _passive(words: list[str], lower: list[str], a: int, b: int, k: int) -> bool:
    """Whether the participle at ``k`` is passive (a form of "be" among its auxiliaries) with no
    "by" or "that" after it."""
    i = _cue_start(words, lower, a, k)
    return any(lower[x] in _BE for x in range(i, k)) and not (k + 1 < b and lower[k + 1] in ("by", "that"))


#: Stance verbs whose bare form is also a common noun: verbs only after a plural or a pronoun.
_NOUN_TOO = frozenset("show doubt".split())
_FIRST_SECOND = frozenset("i you we i’m i'm we’re we're you’re you're".split())
_MODALS = frozenset("to would could can will should might may must 'll ’ll 'd ’d".split())
#: Words before a form that make it a noun ("the support", "his plans").
_ARTICLES = frozenset("a an the his her their its our my your".split())
_NOUN_BEFORE = frozenset(
    "the a an his her their its our my your this these those no any some every such each another "
    "of for with without in on at from into over under about against between than".split()
)
#: Any of these in a unit means there may be an attribution to look for.
_TRIGGERS: frozenset[str] = CORE_CUES | SOFT_CUES | WIDE_CUES | STANCE_CUES | frozenset(PARTICLES) | frozenset(["according", ":", "in", "made", "makes", "put", "puts", "reportedly", "eager", "adamant", "hopeful", "outraged"]) | frozenset(
    "critical skeptical sceptical wary supportive dismissive fond confident concerned optimistic pessimistic angry furious known regarded reports posted posts - — –".split())
_BOUNDARY = frozenset(
    ', ; : " “ ” ‘ ’ ( ) [ ] — – - . ! ? that because while when as if although though but and or '
    "since after before where whereas than so".split()
)
_RELATIVE = frozenset("who which whom".split())
_PRONOUNS = frozenset("he she they it we i you".split())
_OPEN_Q = frozenset('“ " ‘'.split())
_CLOSE_Q = frozenset('” " ’'.split())
_END = frozenset(". ! ? …".split())
_TRAIL = frozenset(', ; : . ! ? … ” " ’ ) — –'.split())
_LEAD = frozenset(', ; : “ " ‘ ( — –'.split())
_ADDRESSEE_CUES = frozenset("told tell tells telling asked ask asks asking warned warn warns warning urged urge urges urging".split())
_AFTER_CUE_SKIP = frozenset(
    "on in at last this a an the statement interview friday monday tuesday wednesday thursday saturday "
    "sunday earlier later week month year today yesterday tonight recently previously".split()
)
_SKIP_BACK = frozenset("also previously later repeatedly recently then again once reportedly publicly privately long never not often always already still just now".split())


#: Typewriter quotation marks written as two characters (``like this''), which the
#: tokenizer splits into two tokens each.
_TWO_CHAR_QUOTES = {"'": '"', "`": "“"}


def _plain_quotes(toks: Toks) -> tuple[Toks, list[int], list[int]]:
    """The tokens with each two-character quotation mark (two adjacent ' or `) made one token
    standing for the mark it means; and, per new token, its first and last original token."""
    words, n = toks.words, len(toks.words)
    if "'" not in words and "`" not in words:
        ids = list(range(n))
        return toks, ids, ids
    out_w: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    first: list[int] = []
    last: list[int] = []
    k = 0
    while k < n:
        w = words[k]
        if w in _TWO_CHAR_QUOTES and k + 1 < n and words[k + 1] == w and toks.ends[k] == toks.starts[k + 1]:
            out_w.append(_TWO_CHAR_QUOTES[w])
            out_s.append(toks.starts[k])
            out_e.append(toks.ends[k + 1])
            first.append(k)
            last.append(k + 1)
            k += 2
            continue
        out_w.append(w)
        out_s.append(toks.starts[k])
        out_e.append(toks.ends[k])
        first.append(k)
        last.append(k)
        k += 1
    return Toks(toks.text, out_w, out_s, out_e), first, last


def _quote_depth(words: list[str], toks: Toks | None = None) -> list[bool]:
    """Whether each token lies inside a quotation (curly marks paired, straight marks toggled).
    An opening curly mark typed where a closing one belongs (“It will pass,“ she said.), inside
    a quotation and right after its closing punctuation, closes it. With ``toks``, a straight
    mark attached to the word after it and not to the one before opens a quotation, even
    inside one (a transcript's paragraphs each open with a mark that is never closed)."""
    inside = False
    out: list[bool] = []
    for x, w in enumerate(words):
        if w == '"' and toks is not None and _opens_quote(toks, x):
            inside = True
            out.append(False)
            continue
        if w == "“" and inside and x > 0 and words[x - 1] in (",", ".", "?", "!"):
            inside = False
            out.append(False)
            continue
        if w == "“":
            inside = True
            out.append(False)
            continue
        if w == "”":
            inside = False
        elif w == '"':
            inside = not inside
            out.append(False)
            continue
        out.append(inside)
    return out


def _sentences(toks: Toks) -> list[tuple[int, int]]:
    """Sentence token ranges ``[a, b)`` inside a unit (a unit may hold several)."""
    words = toks.words
    n = len(words)
    out: list[tuple[int, int]] = []
    a = 0
    k = 0
    while k < n:
        if words[k] in _END:
            e = k + 1
            while e < n and (words[e] in _CLOSE_Q or words[e] in _END or words[e] == ")") and not _opens_quote(toks, e):
                e += 1
            if e >= n or words[e][0].isupper() or words[e] in _OPEN_Q:
                out.append((a, e))
                a = e
                k = e
                continue
        k += 1
    if a < n:
        out.append((a, n))
    return out


SOURCE_MAX = 20
#: Words at most of a speaker named after its cue at the end of the sentence.
TAIL_SOURCE_MAX = 24
#: Sentence adverbs that open a sentence before its subject ("Now the ministry said").
_LEADING_ADVERBS = frozenset("now then yet still so also and but later meanwhile instead thus".split())
#: Words that open an appositive after a name ("Jane Roe, a lawyer ...", "..., director of").
_APPOSITIVE_OPENERS = frozenset("a an the who whose one its his her their".split())


def _opens_quote(toks: Toks, x: int) -> bool:
    """Whether a straight quotation mark at ``x`` opens a quotation: attached to the word after
    it, and not to the one before it (or after a colon)."""
    if toks.words[x] != '"' or x + 1 >= len(toks.words) or toks.ends[x] != toks.starts[x + 1]:
        return False
    return x == 0 or toks.words[x - 1] == ":" or toks.ends[x - 1] < toks.starts[x]


#: Headings before a colon that are not a speaker.
_NOT_SPEAKERS = frozenset(
    "q a note correction update updated breaking related watch read editor's editor’s editor's note editor’s note "
    "clarification disclosure caption photo video source sources question answer name age remember "
    "wow look plus contributing bombshell exclusive listen warning alert previously busted".split()
) | frozenset(["editor's note", "editor’s note", "editor 's note", "editor ’s note", "read more", "still to come", "see also"])


#: Words that open a heading or a clause before a colon, not a speaker ("The Latest:",
#: "Here they are:", "Now we know:", "Ask yourself:").
_NOT_SPEAKER_OPENERS = frozenset("the a an here here’s here's now ask this that these those there it".split())
#: Lower-case words a speaker before a colon may hold ("Roe camp", "Friends of the Earth").
_SPEAKER_LOWER = frozenset("camp of the and for".split())
#: Words of a clause, not of a name ("The pattern is clear:", "He tells the crowd:").
_COLON_VERBS = CORE_CUES | SOFT_CUES | WIDE_CUES | frozenset(PARTICLES) | frozenset(["according"])
_CLAUSE_WORDS = frozenset(
    "is are was were be been am has have had do does did know knew think says said tells told yourself they we i you he she".split()
)


def _speaker_like(words: list[str], lower: list[str], s: int, k: int) -> bool:
    """Whether ``s..k-1`` before a colon reads as a speaker ("Sen. Ann Roe", "Roe camp", a
    transcript's "ANN ROE:"): not a heading opened by an article or adverb, no verb or pronoun."""
    return not (lower[s] in _NOT_SPEAKER_OPENERS or any(lower[x] in _CLAUSE_WORDS or lower[x] in _COLON_VERBS for x in range(s, k)))


_OBJECTS = frozenset("him her them us me you reporters journalists supporters voters viewers".split())


def _skip_addressee(words: list[str], lower: list[str], x: int, b: int) -> int:
    """The index after the addressee of "told"/"asked" at ``x`` ("him", "reporters",
    "the crowd", "Reuters", "The New York Times"), or ``x`` when none is recognised."""
    if x >= b:
        return x
    if lower[x] in _OBJECTS:
        return x + 1
    y = x
    if lower[y] in ("the", "a", "an"):
        y += 1
        if y < b and not words[y][:1].isupper():
            return y + 1 if y + 1 < b else x
    while y < b and words[y][:1].isupper() and lower[y] not in _PRONOUNS:
        y += 1
    return y if y > x and y < b else x


def _inner_hyphen(toks: Toks, k: int) -> bool:
    """Whether the token at ``k`` is a hyphen inside a word ("43-year-old")."""
    return (toks.words[k] == "-" and 0 < k < len(toks.words) - 1
            and toks.ends[k - 1] == toks.starts[k] and toks.ends[k] == toks.starts[k + 1])


def _joins_names(toks: Toks, k: int, a: int) -> bool:
    """Whether "and" at ``k`` joins two noun phrases of a subject ("Doyle and others")."""
    if k - 1 < a or k + 1 >= len(toks.words):
        return False
    before, after = toks.words[k - 1], toks.words[k + 1]
    if (before[:1].isupper() or before.lower() in ("she", "he", "they", "we")) and (
        after[:1].isupper() or after.lower() in ("others", "other", "the", "its", "his", "her", "their")
    ):
        return True
    b = before.lower()
    # "the mayor's neighbours and old colleagues", "letters and other papers": two plural nouns
    return (before.isalpha() and before[:1].islower() and b.endswith("s") and not b.endswith("ss")
            and b not in _CUE_AUX and b not in CORE_CUES and b not in STANCE_CUES and b not in WIDE_CUES
            and after[:1].islower() and after.isalpha())


_QUOTE_END_PUNCT = frozenset(", . ? ! ; : …".split())


def _with_quotes(toks: Toks, s: int, e: int) -> tuple[int, int]:
    """Content ``s..e`` widened to the quotation marks around it, as PARC/PolNeAR mark quoted
    content: the opening mark just before it, and the punctuation and closing mark just after
    it (“It will pass,” -> the whole of it)."""
    words = toks.words
    if s > 0 and words[s - 1] in _OPEN_Q:
        s -= 1
    x = e + 1
    while x < len(words) and words[x] in _QUOTE_END_PUNCT:
        x += 1
    if x < len(words) and words[x] in _CLOSE_Q and (x > e + 1 or words[x] != "’") and not _opens_quote(toks, x):
        e = x
    return s, e


APPOSITIVE_MAX = 40
_DETERMINERS = frozenset("the a an this that these those".split())
#: Asides between commas that are not an appositive ("Roe, however, said").
_ASIDES = frozenset(
    """however meanwhile though too also instead indeed moreover nevertheless nonetheless likewise
    similarly again now then still yet later earlier today yesterday first second finally""".split()
)
_ASIDE_PAIRS = frozenset(
    """for example|for instance|in turn|for one|in fact|of course|in response|in addition|for his part|for her part|for their part|at the time|in particular|once again|in short|by contrast|in contrast|as well""".split("|")
)
#: Words after a comma that open a clause of their own, not an appositive of the name before.
_CLAUSE_OPENERS = frozenset(
    """and but or nor as which when while where whereas although though because if so then since until
    after before adding saying noting according referring who whose""".split()
)


def _aside(lower: list[str], s: int, e: int) -> bool:
    """Whether tokens ``s..e-1`` between two commas are an aside ("however", "in turn")."""
    seg = lower[s:e]
    if len(seg) == 1 and seg[0] in _ASIDES:
        return True
    if len(seg) <= 3 and all((w.endswith("ly") and len(w) > 4) or w.endswith("ed") for w in seg):
        return True  # "Roe, visibly annoyed, said"
    return " ".join(seg) in _ASIDE_PAIRS or (len(seg) <= 4 and seg[0] in ("in", "on", "at") and seg[-1] in _WEEKDAYS | {"statement", "interview"})


def _opens_appositive(words: list[str], lower: list[str], x: int) -> bool:
    """Whether the word at ``x`` (after a comma) can open an appositive: an article or
    possessive, a relative pronoun, a title, a number (an age), or a lower-case noun."""
    w = lower[x]
    if w in _APPOSITIVE_OPENERS or w in _RELATIVE or w == "whose" or w in TITLES or w[:1].isdigit():
        return True
    if w in ("republican", "democrat", "independent") or w[:2] in ("r-", "d-", "i-"):
        return True  # "Ann Roe, Republican of Ohio": a party tag
    if not words[x][:1].islower() or w in _CLAUSE_OPENERS or w in _PRONOUNS or w in _BOUNDARY:
        return False
    return not w.endswith("ing") and w not in CORE_CUES


#: Words a name between commas may hold besides capitalised ones ("Republican of Ohio",
#: "R-Ohio", "Sen. Ann Roe (D-Mo.)", "Ann and Jon Roe").
_NAME_GLUE = frozenset("of and the - . ( ) ’s 's".split())
NAME_MAX = 8


#: Words that end the agent after "by" ("by the aides for its cost", "by the paper on Monday").
_AGENT_ENDS = frozenset(
    """for in on at to with as over about during after before because when since from into
    last this earlier later already whether why if how what
    monday tuesday wednesday thursday friday saturday sunday""".split()
)
_PARTIES = frozenset("republican democrat independent r d i".split())


def _name_between(words: list[str], lower: list[str], head: tuple[int, int], s: int, e: int) -> bool:
    """Whether ``s..e-1``, between two commas before a cue, is a name or a party tag: a
    capitalised word first and every word capitalised, a title or glue ("Jane Roe",
    "Ohio Sen. Ann Roe", "Republican of Ohio", "R-Ohio"), at most ``NAME_MAX`` words and no
    pronoun: an appositive of the noun phrase ``head`` before the first comma, and part of the
    SOURCE. After a capitalised word only a party tag is one ("Ann Roe, R-Ohio,"; "a farmer
    from Springfield, Ohio," is a place), and ``head`` must open like a noun phrase (not
    "who lives in Springfield, Ohio,")."""
    if not 0 < e - s <= NAME_MAX or not words[s][:1].isupper() or lower[s] in _PRONOUNS:
        return False
    if not all(words[x][:1].isupper() or lower[x] in TITLES or lower[x] in _NAME_GLUE for x in range(s, e)):
        return False
    h0 = head[0]
    if not (words[h0][:1].isupper() or words[h0][:1].isdigit() or lower[h0] in _APPOSITIVE_OPENERS | _DETERMINERS | {"another"}):
        return False
    if h0 > 0 and lower[h0 - 1] in _RELATIVE:
        return False
    if words[head[1]][:1].isupper() or lower[head[1]] == ")":
        w = lower[s]
        return w in ("republican", "democrat", "independent") or w[:2] in ("r-", "d-", "i-") or (w in _PARTIES and s + 1 < e and words[s + 1] == "-")
    return True


def _closes_appositive(words: list[str], lower: list[str], x: int) -> bool:
    """Whether the word at ``x``, after a comma inside an appositive, opens something else
    ("..., which has ...", "..., adding ...", "..., told ...")."""
    w = lower[x]
    return (w in _CLAUSE_OPENERS or w in _PRONOUNS or w.endswith("ing") or w in CORE_CUES
            or words[x] in _OPEN_Q) and w not in ("who", "whose")


#: Auxiliaries a cue opens with ("has been saying", "will argue", "did n't mention").
_CUE_AUX = frozenset("has have had having would will did does do is was were are been be being n't n’t might could may can cannot should must ’s 's ’ve 've ’re 're ’m 'm ’d 'd ’ll 'll".split())


def _cue_start(words: list[str], lower: list[str], a: int, k: int) -> int:
    """The first token of the cue whose verb is at ``k``: the auxiliaries and adverbs before
    it ("has also repeatedly said")."""
    i = k
    while i - 1 >= a:
        w = lower[i - 1]
        if w == "since" and not (i - 2 >= a and lower[i - 2] in _CUE_AUX):
            break  # "since announcing": a preposition; "has since said" keeps it
        if i - 1 > a and words[i - 1][:1].isupper() and words[i][:1].islower() and lower[i] not in ("n't", "n’t"):
            break  # "..., Will wrote": a capitalised word amid the sentence is a name, no auxiliary
        if w in _CUE_AUX or w in _CUE_ADVERBS or _ly_adverb(words, lower, i - 1):
            i -= 1
        elif i == k and w in _ASPECT and lower[k].endswith("ing"):
            i -= 1  # "began talking about", "kept asking": the verb of aspect opens the cue
        elif _goes_on_to(lower, a, i):
            i -= 3  # "went on to say"
        else:
            break
    return i


_GO = frozenset("go goes going went gone".split())
#: Verbs of aspect before a gerund cue, part of it ("began talking about", "kept asking").
_ASPECT = frozenset("began begun begin begins started start starts kept keep keeps stopped stop stops continue continues".split())


def _makes_clear(lower: list[str], k: int, b: int) -> int:
    """The index of "clear" in "made clear" / "makes it clear" at ``k`` (a finite form: "to
    make clear" is an aim, not a statement), or of "it" in "as Roe put it,", else 0."""
    if lower[k] in ("put", "puts") and k + 2 < b and lower[k + 1] == "it" and lower[k + 2] in (",", ":", ".", "in"):
        return k + 1 if k == 0 or lower[k - 1] not in _MODALS | {"me", "let", "us"} else 0  # "as Roe put it," (not "to put it,")
    if lower[k] not in ("made", "makes"):
        return 0
    if k + 1 < b and lower[k + 1] == "clear":
        return k + 1
    if k + 2 < b and lower[k + 1] == "it" and lower[k + 2] == "clear":
        return k + 2
    return 0


def _goes_on_to(lower: list[str], a: int, k: int) -> bool:
    """Whether "go on to" stands just before the verb at ``k`` ("she went on to say ...")."""
    return k - 3 >= a and lower[k - 1] == "to" and lower[k - 2] == "on" and lower[k - 3] in _GO


_NOT_ADVERBS = frozenset("family italy july only early daily weekly monthly nearly reply supply rally ally".split())


def _ly_adverb(words: list[str], lower: list[str], i: int) -> bool:
    """Whether the token at ``i`` is an -ly adverb ("repeatedly"), not a name ("Kelly")."""
    w = lower[i]
    return w.endswith("ly") and len(w) > 4 and words[i][:1].islower() and w not in _NOT_ADVERBS


def _quote_closed_before(toks: Toks, a: int, x: int) -> bool:
    """Whether the sentence from ``a`` is a quotation closed just before ``x`` (“It will pass,” ...)."""
    w = toks.words
    return x - 2 > a and w[x - 1] in _CLOSE_Q and w[x - 2] in (",", "?", "!") and any(w[y] in _OPEN_Q for y in range(a, x - 2))


def _quote_goes_on(toks: Toks, claim: tuple[int, int], b: int) -> tuple[int, int]:
    """A quoted CLAIM before its cue, widened over the quotation that opens the next sentence,
    as PolNeAR marks it (“It will pass,” she said. “We have the votes.” -> one CLAIM)."""
    w = toks.words
    if w[claim[0]] not in _OPEN_Q or b >= len(w) or w[b] not in _OPEN_Q:
        return claim
    if w[b] == '"' and not _opens_quote(toks, b):
        return claim
    for x in range(b + 1, min(len(w), b + 400)):
        if w[x] in ("”", '"'):
            return (claim[0], x)
        if w[x] == "“":
            return claim
    return claim



def _after_opening_phrase(lower: list[str], a: int, end: int) -> int:
    """The index after a short opening phrase and its comma ("In 2011, he ..."), or ``a``."""
    for x in range(a + 1, min(end, a + 7)):
        if lower[x] == ",":
            return x + 1 if x + 1 < end else a
        if lower[x] in ('"', "“", "”", ":", ";"):
            return a
    return a


_BE = frozenset("is was were are been be being 's ’s".split())
_SEEM = frozenset("seem seems seemed appear appears appeared".split())


#: Participles that say a state of mind of their subject ("are worried", "is convinced").
_STATES = frozenset("worried convinced concerned determined opposed committed outraged".split())


def _no_source(lower: list[str], source: tuple[int, int], cue_i: int, k: int) -> bool:
    """Whether the subject before a cue is no speaker: a passive cue ("was reported") or
    "it" before "seems"/"appears"."""
    if lower[k] in _STATES:
        return False  # "farmers are worried": the farmers hold the stance
    be = [x for x in range(cue_i, k) if lower[x] in _BE]
    if be and all(lower[x] in ("'s", "’s") for x in be) and lower[source[1]] not in ("it", "that", "what", "there", "this"):
        be = []  # "he's said", "Roe's told": "has", not a passive ("it's said that" stays one)
    if be and (lower[k].endswith("ed") or lower[k] in ("said", "told", "known", "shown", "seen", "written", "thought", "found")):
        return True
    return source[0] == source[1] and lower[source[0]] in ("it", "there") and lower[k] in _SEEM



_ISSUE_VERBS = frozenset("issued released sent posted put published issues releases sends posts puts publishes".split())


def _issued_statement(lower: list[str], a: int, k: int) -> int | None:
    """The index of "issued" in "issued a statement saying" before the gerund at ``k``, or None."""
    x = k - 1
    while x > a and (lower[x] in _WEEKDAYS or lower[x] in ("night", "morning", "afternoon", "evening")):
        x -= 1  # "released a statement Friday evening saying"
    if x < a or lower[x] not in _MEDIA:
        return None
    x -= 1
    while x >= a and k - x <= 5 and lower[x] not in _ISSUE_VERBS:
        if lower[x] in _BOUNDARY:
            return None
        x -= 1
    if x >= a and lower[x] in _ISSUE_VERBS:
        return _cue_start_plain(lower, a, x)
    return None


_BEGAN = frozenset("began begins begin started starts opened opens".split())


def _verb_by_gerund(lower: list[str], a: int, i: int, k: int) -> int | None:
    """The index of the finite verb in "responded by saying", "began by noting" before the
    gerund cue at ``k`` (whose cue opens at ``i``), or None."""
    if not lower[k].endswith("ing") or i - 2 < a or lower[i - 1] != "by":
        return None
    v = lower[i - 2]
    return i - 2 if (v.endswith("ed") and len(v) > 4) or v in _BEGAN else None


def _gerund_cue_after_by(words: list[str], lower: list[str], a: int, b: int, k: int) -> bool:
    """Whether the verb at ``k`` is followed by "by" and a gerund cue ("responded by saying",
    "began by first noting") that makes one cue with it."""
    g = k + 2
    while g < b and (lower[g] in _CUE_ADVERBS or _ly_adverb(words, lower, g)):
        g += 1
    return g < b and lower[g] in _TRIGGERS and _verb_by_gerund(lower, a, k + 2, g) == k


def _cue_start_plain(lower: list[str], a: int, x: int) -> int:
    """``x`` moved back over the auxiliaries before it ("has issued")."""
    while x - 1 >= a and lower[x - 1] in _CUE_AUX:
        x -= 1
    return x


SUBJECT_MAX = 7


def _with_subject(toks: Toks, lower: list[str], a: int, cue_i: int) -> tuple[int, int] | None:
    """The noun phrase between "with" and a gerund cue at ``cue_i`` ("with voters saying"), or None."""
    for x in range(cue_i - 1, max(a, cue_i - 10) - 1, -1):
        if lower[x] == "with":
            return (x + 1, cue_i - 1) if x + 1 < cue_i else None
        if lower[x] in _BOUNDARY and not _inner_hyphen(toks, x) and lower[x] != "and":
            return None
    return None


_NAMING = frozenset(["called"])


def _what_one_calls(lower: list[str], a: int, k: int) -> bool:
    """Whether "calls" at ``k`` names a thing in a relative clause ("what he calls", "which she
    called", "whom the mayor called"): "what", "which" or "whom" a few words before, no boundary
    between."""
    for x in range(k - 1, max(a, k - 5) - 1, -1):
        if lower[x] in ("what", "which", "whom"):
            return True
        if lower[x] in _BOUNDARY:
            return False
    return False


_OBJECT_OPENERS = frozenset("the a an this that these those his her their its our my your him them it us me for on out upon".split())


def _plural_noun_calls(words: list[str], lower: list[str], k: int) -> bool:
    """Whether "calls" at ``k`` is the plural noun: after a lower-case word that is no pronoun,
    relative, auxiliary or adverb, and before no object ("phone calls to voters", "repeated
    calls")."""
    p = lower[k - 1]
    if not words[k - 1][:1].islower() or p in _PRONOUNS or p in _RELATIVE or p == "that":
        return False
    if p in _CUE_ADVERBS or p in _CUE_AUX or (p.endswith("ly") and len(p) > 4):
        return False
    if k + 1 < len(words) and (words[k + 1][:1].isupper() or lower[k + 1] in _OBJECT_OPENERS):
        return False  # "the mayor calls the dam ...", "calls for": a verb with its object
    return True


def _names_a_thing(words: list[str], lower: list[str], k: int) -> bool:
    """Whether "called" at ``k`` gives a name: "so-called", "a group called", and any
    "called" right after a lower-case noun with no particle after it ("a choir called
    ...", "the rowing club called “...”" before a capitalised word or a quotation mark;
    "critics called for ...", "what the clerk called a mistake" stay cues)."""
    p = lower[k - 1]
    if p in ("so", "so-", "-"):
        return True
    if k >= 2 and lower[k - 2] in ("a", "an") and words[k - 1][:1].islower():
        return True
    if k + 1 >= len(words) or not (words[k + 1][:1].isupper() or words[k + 1] in _OPEN_Q):
        return False  # "what the clerk called a mistake", "critics called for": a cue
    return (words[k - 1].isalpha() and words[k - 1][:1].islower() and not _ly_adverb(words, lower, k - 1)
            and p not in _PRONOUNS and p not in _CUE_AUX and p not in _RELATIVE and p not in _BOUNDARY
            and p not in _CUE_ADVERBS and p not in _SKIP_BACK)



#: Words after an -ing form that make it a noun when an adjective stands before it ("a
#: solid showing in the county", "the weak showing since May").
_AFTER_ING_NOUN = frozenset("in on by for from with since among at against - — – . ; )".split())


def _ing_noun(words: list[str], lower: list[str], a: int, b: int, k: int) -> bool:
    """Whether the -ing form at ``k`` is a noun: after a lower-case word that is no pronoun,
    auxiliary, adverb, relative or conjunction (an adjective: "a solid showing", "her
    best showing") and before a preposition or the clause's end that is not its particle."""
    if k == a or k + 1 >= b:
        return False
    p, nxt = lower[k - 1], lower[k + 1]
    if nxt not in _AFTER_ING_NOUN or _particle(lower[k], nxt):
        return False
    return (words[k - 1].isalpha() and words[k - 1][:1].islower() and not _ly_adverb(words, lower, k - 1)
            and not p.endswith("ing") and p not in _PRONOUNS and p not in _CUE_AUX and p not in _RELATIVE
            and p not in _BOUNDARY and p not in _CUE_ADVERBS and p not in _SKIP_BACK and p not in _ASPECT
            and p not in ("and", "or", "nor", "by", "without", "while", "after", "before", "of", "to"))


def _news_reports(words: list[str], lower: list[str], a: int, b: int, k: int) -> bool:
    """Whether "reports" at ``k`` is the verb of a named outlet or person ("the Springfield
    Gazette reports", "River Radio reports that ..."): a capitalised word before it (not the
    sentence's first word alone), and after it the sentence end, a colon, "that" followed by
    a clause, or a capitalised word; not a noun before a verb ("county reports show")."""
    if k - 1 <= a or not words[k - 1][:1].isupper() or lower[k - 2] in ("its", "their", "his", "her"):
        return False
    nxt = lower[k + 1] if k + 1 < b else "."
    if nxt in _END or nxt == ":" or (k + 1 < b and words[k + 1][:1].isupper()):
        return True
    return nxt == "that" and k + 2 < b and lower[k + 2] not in _TRIGGERS and lower[k + 2] not in _CUE_AUX and lower[k + 2] not in ("track", "tracks")


def _reported_before(lower: list[str], a: int, k: int) -> bool:
    """Whether a reporting verb comes before ``k`` in its sentence ("voters said they want"):
    what follows is the content of that statement, where PolNeAR seldom marks a second cue.
    A comma (or semicolon) that does not follow the reporting verb directly and stands a
    few words before ``k`` opens a clause of its own ("The mayor said the vote was
    fair, while the clerk found the count slow"; "..., which the clerk believes ..."): not
    the earlier verb's content."""
    j = next((x for x in range(k - 1, a - 1, -1) if lower[x] in CORE_CUES), None)
    if j is None:
        return False
    comma = next((x for x in range(k - 1, j + 1, -1) if lower[x] in (",", ";")), None)
    return comma is None or k - comma > NEW_CLAUSE_GAP


#: Words at most between a comma and a verb for the verb to open a clause of its own.
NEW_CLAUSE_GAP = 6


def _discourse_marker(lower: list[str], a: int, b: int, k: int) -> bool:
    """Whether the verb at ``k`` is part of a set phrase that reports nothing: "say" between
    commas (for example), "All told,", "you know" beside a comma, "believe me", "(not) to
    mention"."""
    w = lower[k]
    before = lower[k - 1] if k > a else ""
    after = lower[k + 1] if k + 1 < b else ""
    if w == "say":
        return before in (",", "oh") and after == ","
    if w == "told":
        return before == "all" and after == ","
    if w == "know":
        return before == "you" and (after in (",", ".", "?") or (k - 2 >= a and lower[k - 2] == ","))
    if w == "believe":
        return after == "me"
    if w == "mention":
        return before == "to" and k - 2 >= a and lower[k - 2] == "not"
    return False


#: Kinds of programme before "show(s)" ("talk shows", "morning show"), where it is a noun.
_SHOW_KINDS = frozenset("talk morning evening late-night television tv news radio game cable cooking award awards road".split())
#: Plural nouns of records and evidence, the usual subject of "show" ("polls in Ohio show").
_EVIDENCE = frozenset("polls surveys records data numbers figures results documents studies statistics estimates filings emails".split())


def _evidence_subject(lower: list[str], a: int, k: int) -> bool:
    """Whether a plural noun of evidence stands a few words before the verb at ``k``, with no
    clause boundary between ("polls there show", "records from the 2008 race show")."""
    for x in range(k - 1, max(a, k - 7) - 1, -1):
        if lower[x] in _EVIDENCE:
            return True
        if lower[x] in _BOUNDARY:
            return False
    return False


def _stance_use(words: list[str], lower: list[str], a: int, b: int, k: int, spoken: bool, headline: bool = False) -> bool:
    """Whether the stance verb at ``k`` is a cue: not an imperative opening the sentence ("See
    the results"), not a noun or an adjective ("a talk show", "271 pledged votes"), not in a
    relative clause on people ("voters who want ... said"; after "which" it stays: "the fund,
    which backs the plan"), not said by "I", "you" or "we" in a
    transcript (``spoken``), and in a clause of its own (``_own_clause``)."""
    if k == a or not (words[k][:1].islower() or headline):
        return False
    if lower[k] in _PRESENT_PROGRESSIVE and lower[k - 1] not in _PRESENT_BE:
        return False  # "voters seeking change", "was seeking": no stance of the moment
    if lower[k] in _NOUN_TOO and not (lower[k - 1].endswith("s") or lower[k - 1] in _PRONOUNS or _evidence_subject(lower, a, k)):
        return False  # "a talk show", "the TV show": a noun after a noun; "polls show" is a verb
    if lower[k - 1][:1].isdigit() or lower[k - 1] in ("more", "fewer", "most", "many", "few"):
        return False  # "271 pledged delegates": an adjective
    i = _cue_start(words, lower, a, k)
    if i - 1 >= a and (lower[i - 1] in ("who", "whom") or (spoken and lower[i - 1] in _FIRST_SECOND)):
        return False  # "voters who want ... said"; "I think" in a transcript ("a fund, which backs ...", stays)
    return _own_clause(words, lower, a, k)


def _headline(words: list[str]) -> bool:
    """Whether a unit is a headline in title case ("Senator Roe Backs The Dam Plan"), where a
    verb is capitalised like every other word."""
    alpha = [w for w in words if w[:1].isalpha()]
    return 3 <= len(alpha) <= 30 and sum(w[:1].isupper() for w in alpha) >= 0.75 * len(alpha)


def _transcript(words: list[str]) -> bool:
    """Whether a unit is a turn of a transcript or an interview ("ROE: ...", "Q: ..."), where
    "I think" is the speaker's talk, not a reported stance."""
    n = len(words)
    for x in range(min(n - 1, 3)):
        if words[x + 1] == ":" and (words[x] in ("Q", "A") or (len(words[x]) > 1 and words[x].isupper())):
            return True
    return n > 0 and words[0] in _OPEN_Q


def _turn_label(words: list[str]) -> int | None:
    """The index of the colon after a transcript's speaker label opening the unit ("ROE:",
    "Q:", "A:"; not a heading such as "UPDATE:"), or None: what follows is the speaker's own
    talk, whose verbs PolNeAR seldom marks (train: about one time in nine)."""
    for x in range(min(len(words) - 1, 3)):
        if words[x + 1] == ":" and (words[x] in ("Q", "A") or (len(words[x]) > 1 and words[x].isupper())):
            return x + 1 if " ".join(words[: x + 1]).lower() not in _NOT_SPEAKERS else None
    return None


def _infinitive(words: list[str], lower: list[str], a: int, k: int) -> bool:
    """Whether the verb at ``k`` is an infinitive after "to" ("to portray", "to be hoping"):
    an aim, not a stance taken (after a modal it stays: "will accuse")."""
    i = _cue_start(words, lower, a, k)
    return i - 1 >= a and lower[i - 1] == "to" and not _goes_on_to(lower, a, i)


def _own_clause(words: list[str], lower: list[str], a: int, k: int) -> bool:
    """Whether the verb at ``k`` is no infinitive ("to respond") and not inside the content of
    an earlier reporting verb ("voters said they want ..."); after a modal it stays ("would
    see", "will discuss": PolNeAR train marks such stances about two times in five)."""
    i = _cue_start(words, lower, a, k)
    if _reported_before(lower, a, i) and not _comma_gerund(lower, a, k):
        return False
    return not (i - 1 >= a and lower[i - 1] == "to")


#: Gerunds after a comma that are a participle of their own noun ("groups supporting the plan").
_NOT_COMMA_GERUNDS = frozenset("supporting backing opposing seeking wanting hoping".split())


def _comma_gerund(lower: list[str], a: int, k: int) -> bool:
    """Whether the verb at ``k`` is a gerund opening a clause after a comma ("..., she said,
    recalling the flood"): a statement of its own, not part of the earlier verb's content."""
    return k > a and lower[k - 1] == "," and lower[k].endswith("ing") and lower[k] not in _NOT_COMMA_GERUNDS


#: Adjectives of a stance held, cues after a form of "be" ("was adamant", "is eager to").
_STANCE_ADJECTIVES = frozenset("eager adamant hopeful outraged".split())
_DASHES = frozenset("- — –".split())
#: Social networks whose name after "wrote on", "posted on" belongs to the cue.
_SOCIAL = frozenset("twitter facebook instagram".split())
_POSTED = frozenset("wrote writes posted posts".split())
#: Participles of a repute, cues with their "as" ("is known as", "was widely regarded as";
#: "regarded" only after a form of "be").
_KNOWN_AS = frozenset("known regarded".split())
#: Adjectives of a stance toward something, cues with their preposition after a form of "be"
#: ("was critical of", "are skeptical of", "is confident in", "were angry about").
_STANCE_ADJ_PREP: dict[str, frozenset[str]] = {
    **dict.fromkeys("critical skeptical sceptical wary supportive dismissive fond".split(), frozenset(["of"])),
    "confident": frozenset(["in", "about"]), "concerned": frozenset(["about"]),
    **dict.fromkeys("optimistic pessimistic".split(), frozenset(["about"])),
    **dict.fromkeys("angry furious".split(), frozenset("about at with".split())),
}


def _after_be(words: list[str], lower: list[str], a: int, k: int) -> bool:
    """Whether a form of "be" stands among the auxiliaries and adverbs just before ``k``."""
    i = _cue_start(words, lower, a, k)
    return any(lower[x] in _BE for x in range(i, k))


def _verb_cue_after(lower: list[str], k: int, b: int) -> bool:
    """Whether the verb after the adverb at ``k`` (past its auxiliaries) is a cue word of its
    own ("reportedly said", "reportedly has argued"), whose cue takes the adverb in."""
    x = k + 1
    while x < b and lower[x] in _CUE_AUX:
        x += 1
    return x < b and lower[x] in _TRIGGERS


def _outer_attribution_only(lower: list[str], depth: list[bool], a: int, b: int, found: list[dict]) -> list[dict]:
    """The attributions of one sentence, less the reporting verbs under an "according to"
    ("According to the memo, the mayor told aides ...", "..., he said, according to a
    transcript") or under an opening "In a poll ..., " ("In a poll, most voters said ..."):
    PolNeAR marks the outer attribution and seldom the one it reports. A verb in a relative
    clause of its own ("a poll that shows ...") stays."""
    poll = [f for f in found if f["CUE"] == (a, a) and lower[a] == "in"]  # "In a poll released Sunday, ..."
    if not poll and not any(lower[x] == "according" and x + 1 < b and lower[x + 1] == "to" and not depth[x] for x in range(a, b)):
        return found
    kept = []
    for f in found:
        cue = f["CUE"]
        if lower[cue[0]] != "according" and f not in poll and not (cue[0] > a and lower[cue[0] - 1] in _RELATIVE | {"that"}):
            continue
        kept.append(f)
    return kept


#: Tokens between two cues that part their clauses: the second cue is then one of its own.
_CLAUSE_BREAKS = frozenset(', ; : and or but while because when as after before if although though since “ ” " ‘ ’ ( ) — –'.split())
CHAIN_GAP = 12


def _first_of_a_chain(words: list[str], lower: list[str], found: list[dict]) -> list[dict]:
    """The attributions of one sentence less those whose cue follows an earlier cue with no
    comma, quotation mark or conjunction ("and", "but", "when" ...) between, close to it (at most ``CHAIN_GAP`` words: a
    clause that long with no break is still one) or after
    a "that" ("Roe said the mayor told aides ...", "voters think that polls show ..."): the
    second cue lies in the content of the first, where PolNeAR seldom marks it (train: about
    one time in five)."""
    if len(found) < 2:
        return found
    kept: list[dict] = []
    ends = sorted(f["CUE"][1] for f in found)
    according = any(lower[f["CUE"][0]] == "according" for f in found)
    for f in found:
        i = f["CUE"][0]
        if according and i > 0 and lower[i - 1] in _RELATIVE | {"that"}:
            kept.append(f)  # "according to a report that suggests ...": a relative clause of its own
            continue
        before = [e for e in ends if e < i]
        if before:
            between = lower[before[-1] + 1 : i]
            if not any(w in _CLAUSE_BREAKS for w in between) and (len(between) <= CHAIN_GAP or "that" in between):
                continue
        kept.append(f)
    return kept


def _after_relative_that(lower: list[str], a: int, f: dict) -> bool:
    """Whether the cue of ``f``, with no SOURCE found, follows "that" ("a law firm that
    defended ...", "the songs that were sung at the fair"): a relative clause describing a
    thing, which PolNeAR seldom marks (train: about three times in ten). Under "according to"
    it stays ("according to a report that suggests ...")."""
    i = f["CUE"][0]
    return "SOURCE" not in f and i > a and lower[i - 1] == "that" and "according" not in lower[a:i]


def _participle_after_noun(words: list[str], lower: list[str], a: int, b: int, f: dict) -> bool:
    """Whether the cue of ``f`` is a lone past participle right after a noun and before "by" or
    "for" ("the delegates offered by the state", "a candidate backed by the party", "a
    measure planned for the fall"): it describes the noun, and PolNeAR seldom marks it."""
    i, e = f["CUE"]
    if i != e or i == a or e + 1 >= b or not lower[e].endswith("ed") or lower[e + 1] not in ("by", "for"):
        return False
    p = lower[i - 1]
    return (words[i - 1].isalpha() and words[i - 1][:1].islower() and not _ly_adverb(words, lower, i - 1)
            and p not in _PRONOUNS and p not in _CUE_AUX and p not in _RELATIVE and p not in _BOUNDARY)


def _coordinated(lower: list[str], b: int, f: dict) -> dict | None:
    """The attribution ``f``, or None when its cue is joined to a verb after it by "and", "or"
    or "but" ("what the mayor says and promises", "has never sought or held office"): the
    words after it are no content of its own. Two past participles so joined are one cue
    ("were mocked and criticized")."""
    i, e = f["CUE"]
    if lower[e] == ":" or e + 1 >= b or lower[e + 1] not in ("and", "or", "but"):
        return f
    if e + 2 < b and lower[e + 1] == "and" and lower[e].endswith("ed") and lower[e + 2].endswith("ed"):
        return {**f, "CUE": (i, e + 2)}
    return None


def _seldom_marked(words: list[str], lower: list[str], depth: list[bool], turn: int | None, a: int, b: int,
                   f: dict) -> bool:
    """Whether the attribution ``f`` of sentence ``a..b`` is one PolNeAR seldom marks: its cue
    quoted, in a transcript turn's own talk (after ``turn``, the label's colon), after a
    relative "that" with no speaker, or a participle after a noun."""
    cue = f["CUE"][0]
    return (depth[cue] or (turn is not None and cue > turn) or _after_relative_that(lower, a, f)
            or _participle_after_noun(words, lower, a, b, f))


def _share_source_with_gerund(lower: list[str], found: list[dict]) -> None:
    """Give a gerund cue after a comma ("..., Roe said, citing ...") the SOURCE of the
    attribution whose cue comes just before it in the sentence, in place of any read from
    the sentence's opening words: the one who said it goes on doing the citing."""
    for n, f in enumerate(found):
        i = f["CUE"][0]
        if n == 0 or i == 0 or lower[i - 1] != "," or not lower[f["CUE"][1]].endswith("ing"):
            continue
        prev = found[n - 1]
        if "SOURCE" in prev and prev["CUE"][1] < i - 1 and prev["SOURCE"][1] < i - 1:
            f["SOURCE"] = prev["SOURCE"]


def _name_list(words: list[str], s: int, b: int) -> bool:
    """Whether ``s..b-1`` is a list of names: three commas or more and (nearly) every word
    capitalised ("Ann Roe, Jon Berg, Max Lee and Sue Kim.")."""
    alpha = [w for w in words[s:b] if w[:1].isalpha() and w != "and"]
    return words[s:b].count(",") >= 3 and len(alpha) > 0 and sum(w[:1].isupper() for w in alpha) >= 0.9 * len(alpha)


class Claims:
    """Rule-based attribution suggester (claims layer)."""

    name = "claims"
    version = "7"

    def __init__(self, scheme: Scheme | None = None) -> None:
        """Enabled when the scheme has CLAIM, SOURCE and CUE on its claims layer."""
        names = set(scheme.label_names("claims")) if scheme is not None else {"CLAIM", "SOURCE", "CUE"}
        self.enabled = {"CLAIM", "SOURCE", "CUE"} <= names
        rels = {r.name for r in scheme.relations} if scheme is not None else {"source-of", "cue-of"}
        self.relations = {"source-of", "cue-of"} <= rels

    def suggest(self, units: Sequence[Unit]) -> list[Suggestion]:
        """One suggestion per unit, in order."""
        return [self.suggest_one(u) for u in units]

    def suggest_one(self, unit: Unit) -> Suggestion:
        """The attributions found in one unit."""
        spans: list[Span] = []
        relations: list[Relation] = []
        if self.enabled:
            original = unit_tokens(unit)
            toks, first, last = _plain_quotes(original)
            seen: set[tuple[int, int, str]] = set()
            seen_rel: set[tuple] = set()
            for found in self.attributions(toks):
                for label in ("CUE", "SOURCE", "CLAIM"):
                    rng = found.get(label)
                    if rng is not None:
                        found[label] = (first[rng[0]], last[rng[1]])  # type: ignore[index]
                self._emit(original, found, spans, relations, seen, seen_rel)
        return trusted_suggestion(unit.id, self.name, self.version, spans, relations)

    def _emit(self, toks: Toks, found: dict[str, tuple[int, int] | float], spans: list[Span],
              relations: list[Relation], seen: set[tuple[int, int, str]], seen_rel: set[tuple]) -> None:
        """Add one attribution's spans and its source-of / cue-of relations (no duplicates)."""
        score = float(found.pop("score"))  # type: ignore[arg-type]
        made: dict[str, Span] = {}
        for label in ("CUE", "SOURCE", "CLAIM"):
            rng = found.get(label)
            if rng is None:
                continue
            i, j = rng  # type: ignore[misc]
            span = toks.span(i, j, label, self.name, score, layer="claims")
            made[label] = span
            if (span.start, span.end, label) not in seen:
                seen.add((span.start, span.end, label))
                spans.append(span)
        claim = made.get("CLAIM")
        if claim is None or not self.relations:
            return
        child = trusted_ref(claim.start, claim.end, "CLAIM")
        for label, rel in (("SOURCE", "source-of"), ("CUE", "cue-of")):
            head = made.get(label)
            if head is not None:
                key = (head.start, head.end, label, claim.start, claim.end, rel)
                if key not in seen_rel:
                    seen_rel.add(key)
                    relations.append(trusted_relation(trusted_ref(head.start, head.end, label), child, rel))

    # ------------------------------------------------------------------ finding
    def attributions(self, toks: Toks) -> list[dict[str, tuple[int, int] | float]]:
        """Each attribution as {"CUE": (i, j), "SOURCE": (i, j), "CLAIM": (i, j), "score": s}."""
        words = toks.words
        lower = [w.lower() for w in words]
        out: list[dict[str, tuple[int, int] | float]] = []
        if _TRIGGERS.isdisjoint(lower):
            return out
        depth = _quote_depth(words, toks)
        spoken = _transcript(words)
        turn = _turn_label(words)
        headline = _headline(words)
        for a, b in _sentences(toks):
            first_found = len(out)
            k = a
            while k < b:
                w = lower[k]
                if depth[k] and w in CORE_CUES:
                    k += 1  # inside a quotation: the quoted speaker's own reporting, seldom marked
                    continue
                if w == "according" and k + 1 < b and lower[k + 1] == "to":
                    found = self._according(toks, lower, a, b, k)
                    if found:
                        out.append(found)
                    k += 2
                    continue
                if k + 2 < b and lower[k + 1] == "by" and _gerund_cue_after_by(words, lower, a, b, k):
                    k += 1  # "responded by saying": the gerund's cue takes this verb in
                    continue
                if w in ("show", "shows") and k > a and lower[k - 1] in _SHOW_KINDS:
                    k += 1  # "talk shows", "the morning show": a programme, not a verb
                    continue
                if _discourse_marker(lower, a, b, k):
                    k += 1  # "than, say, the others", "All told,", "you know,", "believe me", "not to mention"
                    continue
                if w == "calls" and k > a and (_what_one_calls(lower, a, k) or _plural_noun_calls(words, lower, k)):
                    k += 1  # "what he calls 'real solutions'": a naming; "phone calls", "repeated calls": a noun
                    continue
                if w.endswith("ing") and _ing_noun(words, lower, a, b, k):
                    k += 1  # "a solid showing in the county", "her best showing since": a noun
                    continue
                if w in _NAMING and k > a and _names_a_thing(words, lower, k):
                    k += 1  # "a group called ...", "so-called": a name given, not an attribution
                    continue
                if k > a and (lower[k - 1] in _ARTICLES or (lower[k - 1] == "only" and k - 2 >= a and lower[k - 2] in _ARTICLES | {"’s", "'s"})):
                    k += 1  # "an added benefit", "his claimed income", "her only hope": a noun or an adjective, not a verb
                    continue
                if k > a and lower[k - 1] in _NOT_CUE_BEFORE and (w in _BARE or w.endswith("ing")) and not _goes_on_to(lower, a, k):
                    k += 1  # "can say", "as if to say", "by saying": no attribution
                    continue
                if w in _CONTINUE and not (k + 1 < b and (lower[k + 1] in ("to", ",", ":") or lower[k + 1] in _END)) and k + 1 < b:
                    k += 1  # "continued his tour": no attribution
                    continue
                particle = k + 1 < b and lower[k + 1] in PARTICLES.get(w, ())
                if (k > a and not headline and words[k][:1].isupper() and k + 1 < b and words[k + 1][:1].isupper()
                        and words[k - 1] not in _OPEN_Q):
                    k += 1  # "aide Hope Hicks": a capitalised word before a name is part of the name
                    continue
                if k + 1 < b and lower[k + 1] in _OTHER_SENSE.get(w, ()):
                    k += 1  # "appeared at a rally", "showed up", "backed away", "found himself": another sense
                    continue
                if w in _NO_PASSIVE and _passive(words, lower, a, b, k):
                    pass  # "a group that is called ...", "the papers were found", "he was told"
                elif w in STANCE_CUES:
                    if not depth[k] and _stance_use(words, lower, a, b, k, spoken, headline) and not self._noun_use(lower, a, b, k):
                        found = self._verb(toks, lower, a, b, k, soft=True)
                        out.append(found if found else self._cue_alone(toks, lower, a, b, k, 0.3))
                elif w in WIDE_CUES and not depth[k] and not self._noun_use(lower, a, b, k) and (not _reported_before(lower, a, k) or _comma_gerund(lower, a, k)) and not _infinitive(words, lower, a, k):
                    found = self._verb(toks, lower, a, b, k, soft=True)
                    if found:
                        out.append(found)
                    elif not w.endswith("ing") or _after_be(words, lower, a, k):
                        out.append(self._cue_alone(toks, lower, a, b, k, 0.3))  # "is promising it"
                elif w in _EVENT_CUES and not _own_clause(words, lower, a, k):
                    pass  # "to respond to", "said the plan appeared to work": no cue of its own
                elif w in CORE_CUES or particle or (w in SOFT_CUES and k + 1 < b and (lower[k + 1] == "that" or lower[k + 1] in _PRONOUNS) and not _reported_before(lower, a, k)):
                    found = self._verb(toks, lower, a, b, k, soft=w not in CORE_CUES and not particle)
                    if found:
                        out.append(found)
                    elif (w in CORE_CUES or particle) and not (k > a and lower[k - 1] in _NOT_CUE_BEFORE and w.endswith(("ing", "y"))):
                        out.append(self._cue_alone(toks, lower, a, b, k, 0.4))
                elif _makes_clear(lower, k, b) and not depth[k]:
                    found = self._verb(toks, lower, a, b, k, soft=False)
                    out.append(found if found else {"CUE": (_cue_start(words, lower, a, k), _makes_clear(lower, k, b)), "score": 0.4})
                elif (w in _STANCE_ADJ_PREP and k + 1 < b and lower[k + 1] in _STANCE_ADJ_PREP[w] and not depth[k]
                      and _after_be(words, lower, a, k) and _own_clause(words, lower, a, k)):
                    found = self._cue_alone(toks, lower, a, b, k, 0.3)  # "the mayor was critical of the plan"
                    found["CUE"] = (found["CUE"][0], k + 1)
                    found.pop("CLAIM", None)
                    claim = self._content_after(toks, lower, k + 2, b) if k + 2 < b else None
                    if claim is not None:
                        found["CLAIM"] = claim
                    out.append(found)
                elif w in _KNOWN_AS and k + 2 < b and lower[k + 1] == "as" and not depth[k] and (w == "known" or _after_be(words, lower, a, k)):
                    found = {"CUE": (_cue_start(words, lower, a, k), k + 1), "score": 0.3}  # "is known as", "a plan known as"
                    claim = self._content_after(toks, lower, k + 2, b)
                    if claim is not None and not _after_be(words, lower, a, k):
                        comma = next((x for x in range(claim[0], claim[1] + 1) if lower[x] in (",", ";", "—", "–")), None)
                        claim = (claim[0], comma - 1) if comma is not None and comma - 1 >= claim[0] else claim  # "X, known as Y, ..."
                    if claim is not None:
                        found["CLAIM"] = claim
                    out.append(found)
                elif w in _STANCE_ADJECTIVES and not depth[k] and _after_be(words, lower, a, k) and _own_clause(words, lower, a, k):
                    out.append(self._cue_alone(toks, lower, a, b, k, 0.3))  # "the mayor was adamant that ..."
                elif (w in _DASHES and k - 1 > a and words[k - 1] in _CLOSE_Q and lower[k - 2] in _END and k + 1 < b
                      and words[k + 1][:1].isupper() and not any(lower[x] in CORE_CUES for x in range(k + 1, b))):
                    # "“We will win.” - Ann Roe": a dash after a quotation, before its speaker
                    source = self._source_forward(toks, lower, k + 1, b, tail=True)
                    claim = self._content_before(toks, lower, a, k)
                    if source is not None and claim is not None:
                        out.append({"CUE": (k, k), "SOURCE": source, "CLAIM": claim, "score": 0.5})
                elif w in ("posted", "posts") and k + 2 < b and lower[k + 1] == "on" and lower[k + 2] in _SOCIAL and not depth[k]:
                    found = self._verb(toks, lower, a, b, k, soft=False)  # "the mayor posted on Facebook that ..."
                    out.append(found if found else {"CUE": (_cue_start(words, lower, a, k), k + 2), "score": 0.4})
                elif w == "reports" and _news_reports(words, lower, a, b, k) and not depth[k]:
                    found = self._verb(toks, lower, a, b, k, soft=False)  # "the Springfield Gazette reports."
                    out.append(found if found else self._cue_alone(toks, lower, a, b, k, 0.4))
                elif w == "reportedly" and not depth[k] and not _verb_cue_after(lower, k, b):
                    out.append({"CUE": (k, k), "score": 0.3})  # "The board is reportedly weighing ...": the adverb alone
                elif w == "in" and k + 2 < b:
                    found = self._in_source(toks, lower, a, b, k)
                    if found:
                        out.append(found)
                elif w == ":" and k + 1 < b and k > a:
                    found = self._colon(toks, lower, a, b, k)
                    if found:
                        out.append(found)
                k += 1
            _share_source_with_gerund(lower, out[first_found:])
            kept = []
            for f in _outer_attribution_only(lower, depth, a, b, out[first_found:]):
                if lower[f["CUE"][1]] in _SEEM:
                    f.pop("SOURCE", None)  # "the senator seemed ...": the writer's impression, no speaker
                if "SOURCE" not in f:
                    self._agent_source(toks, lower, b, f)  # "was criticized by the mayor"
                g = _coordinated(lower, b, f)
                if g is not None and not _seldom_marked(words, lower, depth, turn, a, b, g):
                    kept.append(g)
            out[first_found:] = _first_of_a_chain(words, lower, kept)
        return out

    def _verb(self, toks: Toks, lower: list[str], a: int, b: int, k: int, soft: bool) -> dict | None:
        """A reporting verb at ``k``: work out which side the content is on."""
        cue_i = _cue_start(toks.words, lower, a, k)
        led_by = _verb_by_gerund(lower, a, cue_i, k)
        if led_by is not None and not any(lower[x] in _BE for x in range(_cue_start(toks.words, lower, a, led_by), led_by)):
            cue_i = _cue_start(toks.words, lower, a, led_by)  # "she responded by saying": one cue
        else:
            led_by = None  # "it is justified by arguing": a passive, the gerund alone
        # "SOURCE also said": the adverb is left out of the cue, skipped for the source
        src_end = cue_i - 1
        while src_end >= a and (lower[src_end] in _SKIP_BACK or _ly_adverb(toks.words, lower, src_end)):
            src_end -= 1
            while src_end >= a and lower[src_end] in _AUX_VERBS:
                src_end -= 1
        end_k = k
        clear = _makes_clear(lower, k, b)
        if clear:
            end_k = clear  # "made it clear"
        elif lower[k] in _CONTINUE and k + 2 < b and lower[k + 1] == "to":
            end_k = k + 2  # "continued to insist"
        elif k + 1 < b and _particle(lower[k], lower[k + 1], lower[k + 2] if k + 2 < b else ""):
            end_k = _particle_end(lower, k, b)  # "pointed out", "called for", "lashed out at"
        elif k + 1 < b and lower[k + 1] == ":" and toks.ends[k] == toks.starts[k + 1]:
            end_k = k + 1  # "said:" (the colon is part of the cue)
        elif k + 3 < b and lower[k + 1] == "in" and lower[k + 2] in ("a", "an") and lower[k + 3] == "statement":
            end_k = k + 3  # "said in a statement"
        elif k + 2 < b and lower[k] in _POSTED and lower[k + 1] == "on" and lower[k + 2] in _SOCIAL:
            end_k = k + 2  # "wrote on Twitter", "posted on Facebook"
        elif k + 1 < b and lower[k + 1] == ":" and lower[k] in _CONTINUE:
            end_k = k + 1  # "continued:"
        if end_k + 1 < b and _ly_adverb(toks.words, lower, end_k + 1):
            end_k += 1  # "said sarcastically", "wrote recently"
        elif end_k + 2 < b and lower[end_k + 1] in _WEEKDAYS and lower[end_k + 2] in _END:
            end_k += 1  # "..., Roe said Tuesday.": the day closing the sentence is part of the cue
        if (end_k + 4 < b and lower[end_k + 1] == "with" and lower[end_k + 2] in ("a", "an")
                and toks.words[end_k + 3].isalpha() and toks.words[end_k + 3].islower() and lower[end_k + 4] in _TRAIL):
            end_k += 3  # "she said with a laugh.": the manner of speaking is part of the cue
        if end_k > k and end_k + 1 < b and lower[end_k + 1] == ":":
            end_k += 1  # "said in a statement:", "added wryly:", "shot back:": the colon closes the cue
        cue = (cue_i, end_k)
        nxt = end_k + 1
        # what follows the verb, skipping "in a statement", "on Friday"
        after = nxt
        while after < b and lower[after] in _AFTER_CUE_SKIP:
            after += 1
        words = toks.words
        tail_empty = (
            after >= b
            or lower[after] in _END
            or (words[after] in _CLOSE_Q and not _opens_quote(toks, after))
            or (lower[after] in (",", ";") and not (after + 1 < b and words[after + 1] in _OPEN_Q))
        )
        if not tail_empty and lower[k] in _ADDRESSEE_CUES:
            # "... ," the minister told reporters.
            x = after
            while x < b and x < after + 3 and lower[x] not in _BOUNDARY:
                x += 1
            tail_empty = x >= b or lower[x] in _END or (lower[x] == "," and not (x + 1 < b and words[x + 1] in _OPEN_Q))
        source_before = self._source_back(toks, lower, a, src_end)
        if source_before is not None and _no_source(lower, source_before, cue_i, k):
            source_before = None  # "it was reported that", "it seems": the subject is no speaker
        if source_before is None and src_end > a and lower[src_end] == "and":
            source_before = self._subject(toks, lower, a, src_end)  # "Roe left early and said ..."
        if not tail_empty and source_before is not None and _quote_closed_before(toks, a, source_before[0]):
            tail_empty = True  # “CLAIM,” SOURCE said on the radio on Friday.
        # "is backing", "has been saying": a progressive is a finite verb with its subject before it
        gerund = lower[k].endswith("ing") and led_by is None and not any(lower[x] in _BE for x in range(cue_i, k))
        issued = _issued_statement(lower, a, k) if gerund else None
        if issued is not None:
            # "SOURCE issued a statement saying CLAIM": the whole is the cue
            src = self._source_back(toks, lower, a, issued - 1) if issued > a else None
            claim = self._content_after(toks, lower, after if after < b and lower[after] == "that" else nxt, b)
            found = {"CUE": (issued, end_k), "score": 0.6}
            if src is not None:
                found["SOURCE"] = src
            if claim is not None:
                found["CLAIM"] = claim
            return found
        if gerund and k > a and lower[k - 1] != ",":
            with_np = _with_subject(toks, lower, a, cue_i)
            if with_np is not None:
                # "..., with the mayor calling it a disgrace": the noun phrase after "with"
                found = {"CUE": cue, "SOURCE": with_np, "score": 0.5}
                claim = self._content_after(toks, lower, after if after < b and lower[after] == "that" else nxt, b)
                if claim is not None:
                    found["CLAIM"] = claim
                return found
        if gerund:
            # ", saying that ...": the source is the subject of the main clause, far back
            if k == a or lower[k - 1] != ",":
                return None if k > a and lower[k - 1] in _NOT_CUE_BEFORE else {"CUE": cue, "score": 0.4}
            claim = self._content_after(toks, lower, after if after < b and lower[after] == "that" else nxt, b)
            if not claim:
                return None
            subject = self._subject(toks, lower, a, k - 1)
            if subject is not None:
                return {"CUE": cue, "SOURCE": subject, "CLAIM": claim, "score": 0.5}
            return {"CUE": cue, "CLAIM": claim, "score": 0.5}
        if tail_empty:
            # CLAIM, SOURCE said  |  CLAIM, said SOURCE
            if source_before is not None:
                claim = self._content_before(toks, lower, a, source_before[0])
                source: tuple[int, int] | None = source_before
            else:
                claim = self._content_before(toks, lower, a, cue_i)
                source = self._source_forward(toks, lower, nxt, b, tail=True)
            if claim is None:
                return None
            claim = _quote_goes_on(toks, claim, b)
            return {"CUE": cue, "SOURCE": source, "CLAIM": claim, "score": 0.7} if source else {"CUE": cue, "CLAIM": claim, "score": 0.6}
        after_quote = k - 2 >= a and words[k - 1] in _CLOSE_Q and lower[k - 2] in (",", "?", "!")
        if source_before is None and (not soft or after_quote) and k > a and (lower[k - 1] == "," or after_quote):
            # CLAIM, said SOURCE, ...  |  “CLAIM,” said SOURCE
            claim = self._content_before(toks, lower, a, k)
            source = self._source_forward(toks, lower, nxt, b, tail=True)
            quoted = claim is not None and (toks.words[claim[0]] in _OPEN_Q or toks.words[claim[1]] in _CLOSE_Q)
            if source is not None and not quoted and lower[source[1]] != "," and not _closes_sentence_part(toks, source[1] + 1, b):
                source = None  # "Roe, Tex Berg director, said the dam will hold": no speaker after the cue
            if claim is not None and source is not None:
                claim = _quote_goes_on(toks, claim, b)
                return {"CUE": cue, "SOURCE": source, "CLAIM": claim, "score": 0.6}
        if source_before is None:
            return None
        start = after if after < b and lower[after] == "that" else nxt
        if lower[k] in _ADDRESSEE_CUES:
            # "told reporters that ..." / "told Russia's ambassador ..., that ..."
            for x in range(nxt, min(b, nxt + 12)):
                if lower[x] == "that":
                    start = x
                    break
            else:
                after_addressee = _skip_addressee(toks.words, lower, nxt, b)
                if after_addressee > nxt:
                    start = after_addressee  # "told Reuters he would stay"
                else:
                    while start < b and lower[start] not in (",", "that", ":") and toks.words[start] not in _OPEN_Q and start < nxt + 4:
                        start += 1
        while start < b and (lower[start] in (",", ":")):
            start += 1
        claim = self._content_after(toks, lower, start, b)
        if claim is None:
            return None
        return {"CUE": cue, "SOURCE": source_before, "CLAIM": claim, "score": 0.6 if soft else 0.75}

    def _subject(self, toks: Toks, lower: list[str], a: int, comma: int) -> tuple[int, int] | None:
        """The short name or pronoun that opens the sentence, the subject of a ", saying ..."
        at ``comma`` ("Ms. Lund left early, saying she was tired")."""
        words = toks.words
        if any(lower[x] in CORE_CUES for x in range(a, comma)):
            return None  # "..., the ministry said, calling for ...": the gerund is the ministry's
        a = _after_opening_phrase(lower, a, comma)
        if lower[a] in _PRONOUNS and lower[a] not in ("it", "you", "i"):
            return (a, a)
        if lower[a] in ("a", "an", "this", "that", "these", "those") or (lower[a] == "the" and not (a + 1 < comma and words[a + 1][:1].isupper())):
            return None
        e = a + 1 if lower[a] == "the" else a  # "The Arizona senator"
        while e < comma and (words[e][:1].isupper() or lower[e] in TITLES) and lower[e] not in _LEADING_ADVERBS and e - a < SUBJECT_MAX:
            e += 1  # "Police Chief Jon Berg", "former Gov. Ann Roe"
        if e == a or (lower[a] == "the" and e == a + 1) or e >= comma or lower[e] in _BOUNDARY or words[e][:1].isupper():
            return None
        return (a, e - 1)

    def _agent_source(self, toks: Toks, lower: list[str], b: int, f: dict) -> None:
        """Give ``f``, found with no SOURCE, the agent after "by" just after its cue as the
        SOURCE ("was criticized by the farmers", "first reported by the paper",
        "asked by the host"); not a gerund or a cue after "by" ("by saying")."""
        e = f["CUE"][1]
        if e + 2 >= b or lower[e + 1] != "by" or lower[e + 2].endswith("ing") or lower[e + 2] in _TRIGGERS:
            return
        source = self._source_forward(toks, lower, e + 2, b)
        if source is None:
            return
        x = source[0] + 1
        while x <= source[1] and lower[x] not in _AGENT_ENDS:
            x += 1
        f["SOURCE"] = (source[0], x - 1)  # "by the aides for its cost": the agent ends before "for"
        claim = f.get("CLAIM")
        if claim is not None and claim[0] <= x - 1 and claim[1] >= x:
            x2 = x
            while x2 <= claim[1] and lower[x2] in _LEAD:
                x2 += 1
            if claim[1] - x2 >= 2:
                f["CLAIM"] = (x2, claim[1])  # the content follows the agent
            else:
                del f["CLAIM"]
        elif claim is not None and claim[0] <= source[1] and claim[1] >= source[0]:
            del f["CLAIM"]

    def _cue_alone(self, toks: Toks, lower: list[str], a: int, b: int, k: int, score: float) -> dict:
        """A cue whose attribution pattern was not found: with the source just before it and
        the content after it when there are ("Documents ... revealed that ...")."""
        cue = self._cue_extent(toks, lower, a, b, k)
        found: dict = {"CUE": cue, "score": score}
        if not (lower[k].endswith("ing") and cue[0] == k):  # a bare gerund's subject is further back
            src_end = cue[0] - 1
            while src_end >= a and (lower[src_end] in _SKIP_BACK or _ly_adverb(toks.words, lower, src_end)):
                src_end -= 1
            source = self._source_back(toks, lower, a, src_end)
            if source is not None and not _no_source(lower, source, cue[0], k):
                found["SOURCE"] = source
        claim = self._content_after(toks, lower, cue[1] + 1, b) if cue[1] + 1 < b else None
        if claim is not None:
            found["CLAIM"] = claim
        return found

    def _noun_use(self, lower: list[str], a: int, b: int, k: int) -> bool:
        """Whether the form at ``k`` reads as a noun or adjective ("the support", "plans of")."""
        if k > a and (lower[k - 1] in _NOUN_BEFORE or lower[k - 1].endswith(("'s", "’s"))):
            return True  # "the support", "editor's note"
        return k + 1 < b and lower[k + 1] in ("of", "'s", "’s")

    def _cue_extent(self, toks: Toks, lower: list[str], a: int, b: int, k: int) -> tuple[int, int]:
        """The cue around the verb at ``k``: auxiliaries and "also" before it."""
        cue_i = _cue_start(toks.words, lower, a, k)
        if k + 1 < b and _particle(lower[k], lower[k + 1], lower[k + 2] if k + 2 < b else ""):
            k = _particle_end(lower, k, b)
        return (cue_i, k)

    def _according(self, toks: Toks, lower: list[str], a: int, b: int, k: int) -> dict | None:
        """``according to SOURCE, CLAIM`` or ``CLAIM, according to SOURCE``."""
        cue = (k, k + 1)
        if k - 2 >= a and lower[k - 1] in ("’s", "'s") and lower[k - 2] in ("that", "this", "it"):
            cue = (k - 1, k + 1)  # "That’s according to the survey": the verb is part of the cue
        before = self._content_before(toks, lower, a, cue[0])
        src = self._source_forward(toks, lower, k + 2, b, tail=before is not None)
        if src is None:
            return None
        if before is not None:
            return {"CUE": cue, "SOURCE": src, "CLAIM": before, "score": 0.75}
        start = src[1] + 1
        while start < b and lower[start] == ",":
            start += 1
        claim = self._content_after(toks, lower, start, b)
        if claim is None:
            return None
        return {"CUE": cue, "SOURCE": src, "CLAIM": claim, "score": 0.75}

    def _in_source(self, toks: Toks, lower: list[str], a: int, b: int, k: int) -> dict | None:
        """``In a county poll out this week, CLAIM``: "in" is the cue."""
        media = None
        for x in range(k + 1, min(b, k + 9)):
            if lower[x] in _IN_MEDIA:
                media = x
                break
            if lower[x] in _BOUNDARY:
                return None
        if media is None or (k > a and lower[media] in ("polls", "surveys")):
            return None  # "she is ahead in the polls, ...": no one poll is the source
        comma = None
        for x in range(media + 1, min(b, media + 5)):
            if lower[x] == ",":
                comma = x
                break
            if lower[x] in _BOUNDARY:
                break
        claim = self._content_after(toks, lower, comma + 1, b) if comma is not None else None
        if claim is not None:
            return {"CUE": (k, k), "SOURCE": (k + 1, comma - 1), "CLAIM": claim, "score": 0.5}
        if (k > a and lower[media] in ("poll", "survey") and lower[k + 1] != "the"
                and not any(lower[x] in CORE_CUES for x in range(media + 1, min(b, media + 6)))):  # "voters in a poll said"
            # "Roe led Berg by 9 points in a county poll": the finding before "in" is the content
            found: dict = {"CUE": (k, k), "SOURCE": (k + 1, media), "score": 0.4}
            before = self._content_before(toks, lower, a, k)
            if before is not None:
                found["CLAIM"] = before
            return found
        return None

    def _colon(self, toks: Toks, lower: list[str], a: int, b: int, k: int) -> dict | None:
        """``SOURCE: "CLAIM"`` and headlines ``Speaker: claim``: a short speaker opens the sentence."""
        if lower[k - 1] in CORE_CUES or lower[k - 1] in SOFT_CUES:
            return None  # "X said: ..." is the verb's attribution
        if toks.words[k + 1] in _ARTICLES:
            return None  # "At issue: a proposal ...": a heading and what it introduces, not a quotation
        s = a
        while s < k and toks.words[s] in _OPEN_Q:
            s += 1
        # "HEADING - Ann Roe and Jon Berg: “...”": a byline after a dash, before a quotation
        byline = False
        if toks.words[k + 1] in _OPEN_Q:
            dash = next((x for x in range(k - 1, max(s, k - 7) - 1, -1) if lower[x] in ("-", "–", "—") and not _inner_hyphen(toks, x)), None)
            if dash is not None:
                s, byline = dash + 1, True
        if not 0 < k - s <= 5 or not toks.words[s][:1].isupper() or any(
            lower[x] in _BOUNDARY and not (byline and x > s and lower[x] == "and" and _joins_names(toks, x, s)) for x in range(s, k)
        ):
            return None
        src = (s, k - 1)
        if " ".join(lower[s:k]) in _NOT_SPEAKERS or not _speaker_like(toks.words, lower, s, k):
            return None  # "Q:", "Update:", "The Latest:", "Here they are:"
        if any(toks.words[x][:1].islower() and toks.words[x].isalpha() and lower[x] not in _SPEAKER_LOWER for x in range(s, k)):
            return None  # "One notable trend:", "Good news:": a heading in sentence case, not a name
        if _name_list(toks.words, k + 1, b):
            return None  # "Ohio: Ann Roe, Jon Berg, Max Lee.": a list of names under a heading
        claim = self._content_after(toks, lower, k + 1, b)
        if claim is None:
            return None
        return {"CUE": (k, k), "SOURCE": src, "CLAIM": claim, "score": 0.5}

    # ------------------------------------------------------------------ pieces
    def _source_back(self, toks: Toks, lower: list[str], a: int, end: int) -> tuple[int, int] | None:
        """The noun phrase ending at ``end`` (going back to a boundary), or None.

        Hyphens inside a word ("43-year-old") do not stop it; "and" joins two names ("Doyle
        and others"); a leading sentence adverb ("Now", "Then") is left out, and so is a
        trailing time ("on Tuesday").
        """
        if end < a:
            return None
        if lower[end] == ",":
            return self._appositive_back(toks, lower, a, end)
        if lower[end] in _RELATIVE or lower[end] in _PRONOUNS:
            return (end, end)
        trimmed = self._trim_time(lower, a, end)
        comma = trimmed
        if end - 2 >= a and lower[end] in ("week", "month", "year") and lower[end - 1] in ("this", "past"):
            comma = end - 3 if lower[end - 2] == "this" else end - 2  # "Roe, the clerk, this past week said"
        if comma < end and comma >= a and lower[comma] == ",":
            return self._appositive_back(toks, lower, a, comma)  # "Roe, the clerk, on Friday said"
        end = trimmed
        if end < a:
            return None
        if lower[end] == ")":
            opened = next((x for x in range(end - 1, max(a, end - 6) - 1, -1) if lower[x] == "("), None)
            if opened is not None and opened - 1 >= a and toks.words[opened - 1][:1].isupper():
                head = self._source_back(toks, lower, a, opened - 1)
                return (head[0], end) if head is not None else None  # "Sen. Ann Roe (D-Mo.)"
        if lower[end] in _BOUNDARY:
            return None
        s = end
        while s - 1 >= a and end - s < SOURCE_MAX:
            w = lower[s - 1]
            if w in _BOUNDARY and not _inner_hyphen(toks, s - 1) and not (w == "and" and _joins_names(toks, s - 1, a)):
                break
            if w == "what":
                break  # "in what the clerk called a mistake": the speaker follows "what"
            if w in _RELATIVE:
                if w == "who" and s - 2 >= a and lower[s - 2] not in _BOUNDARY and lower[s - 2] not in _PRONOUNS:
                    s -= 1  # "voters who back the plan said": the restrictive clause is part of it
                    continue
                break
            s -= 1
        while s < end and lower[s] in _LEADING_ADVERBS:
            s += 1
        return (s, end)

    def _appositive_back(self, toks: Toks, lower: list[str], a: int, comma: int) -> tuple[int, int] | None:
        """``NAME, an appositive,`` just before a cue: the whole, with its closing comma
        ("Jane Roe, 29, a lawyer for the city, said"); only the name when what stands between
        the commas is an aside ("Roe, however, said")."""
        words = toks.words
        for c in range(comma - 1, max(a, comma - APPOSITIVE_MAX) - 1, -1):
            w = lower[c]
            if w in _END or w in (";", ":") or words[c] in _OPEN_Q or words[c] in _CLOSE_Q:
                return None
            if w != ",":
                continue
            if c + 1 >= comma or c - 1 < a or lower[c - 1] == ",":
                return None
            head = self._source_back(toks, lower, a, c - 1)
            if head is None:
                return None
            if _aside(lower, c + 1, comma) or (lower[c + 1].endswith("ing") and words[c + 1][:1].islower()):
                return head  # "Roe, however, said", "Roe, facing a challenge, said": the name
            if _name_between(words, lower, head, c + 1, comma):
                return (head[0], comma)  # "A lawyer for the city, Jane Roe, said", "Ann Roe, R-Ohio, said"
            if not _opens_appositive(words, lower, c + 1) or not (
                words[head[1]][:1].isupper() or lower[head[1]] == ")" or lower[head[0]] in _DETERMINERS
            ):
                continue  # "Roe, 29, of Springfield, said": look further back
            if lower[c + 1] in _RELATIVE or lower[c + 1] == "whose":
                return head  # "Pence, who is running again, said": the name
            return (head[0], comma)  # "Jane Roe, the city's lawyer, said": name, title and comma
        return None

    def _trim_time(self, lower: list[str], a: int, end: int) -> int:
        """``end`` moved before a trailing "on Tuesday", "Tuesday", "last month", "all", "both"."""
        if end - 1 >= a and lower[end] in _WEEKDAYS and lower[end - 1] == "on":
            return end - 2
        if end - 1 > a and lower[end - 1] == "last" and lower[end] in ("week", "month", "year", "night"):
            return end - 2
        if end > a and (lower[end] in _WEEKDAYS or lower[end] in ("all", "both", "themselves", "himself", "herself")):
            return end - 1
        return end

    def _source_forward(self, toks: Toks, lower: list[str], start: int, b: int, tail: bool = False) -> tuple[int, int] | None:
        """The noun phrase starting at ``start`` (up to a comma or the sentence end). With
        ``tail`` (nothing of the attribution follows), an appositive after a comma is part of
        it: to the sentence end ("said Jane Roe, a lawyer for the city.") or to a comma before
        a clause of its own, that comma included ("said Jane Roe, 29, who ..., as ...")."""
        e = start
        while e < b and e - start < 8 and (lower[e] not in _BOUNDARY or _inner_hyphen(toks, e)):
            e += 1
        if e == start:
            return None
        words = toks.words
        if tail and e < b and e - start == 8:
            x = e
            while x < b and x - start < TAIL_SOURCE_MAX and (lower[x] not in _BOUNDARY or _inner_hyphen(toks, x)):
                x += 1
            if x >= b or lower[x] in _END or lower[x] == "," or words[x] in _CLOSE_Q:
                e = x  # "said a county engineer who has worked on the river for years."
        if tail and e < b and lower[e] == "(":
            close = next((x for x in range(e + 1, min(b, e + 8)) if lower[x] == ")"), None)
            if close is not None and _party_tag(words, e + 1, close):
                e = close + 1  # "said Sen. Ann Roe (D-Ohio)": the party tag is part of the name
        if tail and e + 1 < b and lower[e] == "," and _opens_appositive(words, lower, e + 1):
            x = e + 1
            while x < b and x - e <= APPOSITIVE_MAX:
                w = lower[x]
                if w in _END or w in (";", ":") or words[x] in _OPEN_Q or words[x] in _CLOSE_Q:
                    break
                if w == "," and x + 1 < b and _closes_appositive(words, lower, x + 1):
                    return (start, x)
                x += 1
            else:
                return (start, e - 1)
            end = x - 1
            while end > e and lower[end] in _TRAIL:
                end -= 1
            return (start, end) if end > e else (start, e - 1)
        return (start, e - 1)

    def _content_before(self, toks: Toks, lower: list[str], a: int, end: int) -> tuple[int, int] | None:
        """Content from the sentence (or its opening quotation mark) to just before ``end``."""
        e = end - 1
        if e >= a and lower[e] == "as":
            e -= 1  # "“It will pass,” as Roe put it": "as" belongs to the attribution
        while e >= a and lower[e] in _TRAIL:
            e -= 1
        s = a
        while s <= e and lower[s] in _LEAD:
            s += 1
        # a quotation closed here but opened in an earlier sentence of the unit
        if s <= e and (toks.words[end - 1] in _CLOSE_Q or (end - 2 >= 0 and toks.words[end - 2] in _CLOSE_Q)):
            opened = any(toks.words[x] in ("“", '"') for x in range(a, end - 2))
            if not opened:
                for x in range(a - 1, -1, -1):
                    if toks.words[x] in ("“", '"'):
                        s = x + 1
                        break
        if e - s < 2 and not _quoted_whole(toks, s, e):
            return None
        return _with_quotes(toks, s, e)

    def _content_after(self, toks: Toks, lower: list[str], start: int, b: int) -> tuple[int, int] | None:
        """Content from ``start`` to the sentence end (or the quotation's closing mark)."""
        s = start
        while s < b and lower[s] in _LEAD:
            s += 1
        e = b - 1
        quote_open = start < b and toks.words[start] in ("“", '"')
        if quote_open:
            closes = [x for x in range(start + 1, b) if toks.words[x] in ("”", '"')]
            if not closes:
                for x in range(b, len(toks.words)):
                    if toks.words[x] in ("”", '"'):
                        e = x - 1
                        break
        while e >= s and lower[e] in _TRAIL:
            e -= 1
        if e - s < 2:
            return None
        return _with_quotes(toks, s, e)


def _quoted_whole(toks: Toks, s: int, e: int) -> bool:
    """Whether ``s..e`` (one to three words) is a whole quotation: an opening mark just before
    it and a closing one after it past its punctuation (“No,” said Roe; "Never," she wrote)."""
    w = toks.words
    if e < s or s == 0 or w[s - 1] not in _OPEN_Q or not any(x.isalnum() for t in w[s : e + 1] for x in t):
        return False
    x = e + 1
    while x < len(w) and w[x] in _QUOTE_END_PUNCT:
        x += 1
    return x < len(w) and w[x] in _CLOSE_Q


def _party_tag(words: list[str], s: int, e: int) -> bool:
    """Whether ``s..e-1`` inside brackets is a party tag ("D-Ohio", "R-N.H.", "I-Vt.")."""
    text = "".join(words[s:e])
    return 0 < len(text) <= 12 and text[:2].upper() in ("D-", "R-", "I-")


def _closes_sentence_part(toks: Toks, x: int, b: int) -> bool:
    """Whether the token at ``x`` ends what a speaker named after its cue may end: the
    sentence, a comma, semicolon or colon, or a quotation mark."""
    return x >= b or toks.words[x] in _END or toks.words[x] in (",", ";", ":", "—", "–") or toks.words[x] in _CLOSE_Q or toks.words[x] in _OPEN_Q


def _gap(x: Span, y: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, y.start - x.end, x.start - y.end)


def link_attributions(spans: Sequence[Span], max_gap: int = 200) -> list[Relation]:
    """``cue-of`` and ``source-of`` relations for claim-layer spans found without them (by a
    trained pipeline): each CLAIM takes the nearest CUE outside it, and that CUE's nearest
    SOURCE outside the CLAIM, each within ``max_gap`` characters."""
    claims = [s for s in spans if s.layer == "claims" and s.label == "CLAIM"]
    cues = [s for s in spans if s.layer == "claims" and s.label == "CUE"]
    sources = [s for s in spans if s.layer == "claims" and s.label == "SOURCE"]
    out: list[Relation] = []
    for claim in claims:
        outside = [c for c in cues if c.end <= claim.start or c.start >= claim.end]
        if not outside:
            continue
        cue = min(outside, key=lambda c: (_gap(c, claim), c.start))
        if _gap(cue, claim) > max_gap:
            continue
        child = trusted_ref(claim.start, claim.end, "CLAIM")
        out.append(trusted_relation(trusted_ref(cue.start, cue.end, "CUE"), child, "cue-of"))
        free = [s for s in sources if (s.end <= claim.start or s.start >= claim.end) and not (s.start < cue.end and cue.start < s.end)]
        if free:
            source = min(free, key=lambda s: (_gap(s, cue), s.start))
            if _gap(source, cue) <= max_gap:
                out.append(trusted_relation(trusted_ref(source.start, source.end, "SOURCE"), child, "source-of"))
    return out
