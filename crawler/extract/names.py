"""Which words on a page name a clinic, and whose site the page is on."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from crawler.extract.lines import Line
from reliefmap.normalise import clean_text, domain_spells, fold, home_url

# Words that name an institution ("... Clinic", "Dr. ...") and words that only name a topic.
INSTITUTION_WORDS = re.compile(
    r"\b(?:clinic|clinics|clinique|cl[ií]nica|center|centre|centro|centers|centres|medical|"
    r"m[ée]dic\w*|medicine|health|healthcare|wellness|institute|hospital|h[oô]pital|practice|"
    r"associates|physicians?|group|partners|md|m\.d|do|dr\.?|doctors?|infirmary|specialists?|"
    r"consultants?|\w+(?:ology|ologists?|iatry|iatrics|p(?:a)?edics)|"
    r"lounge|lab|service|services|unit|unidad|department|rehab\w*|therapeutics|chiropract\w*|"
    r"osteopath\w*|ost[ée]opath\w*|physio\w*|fisioterapia|kin[ée]sith[ée]rap\w*|podiatr\w*|"
    r"acupuncture|dental|dentistry|psychiatry|neurology|an(?:a)?esthesi\w*|surgery|surgical|"
    r"care|cabinet|consultorio)\b",
    re.I,
)
TOPIC_WORDS = re.compile(
    r"\b(?:pain|ketamine|infusions?|therapy|therapies|treatment|relief|recovery|integrative|"
    r"functional|spine|neuro\w*|physio\w*|psychiatr\w*|mental|management|osteopath\w*)\b",
    re.I,
)
# A topic-only heading is a name only if it reads like one: "Front Range Spine & Pain", not
# "Ketamine Infusions in Denver".
LINKING_WORDS = re.compile(r"\b(?:in|for|with|to|of|the|your|a|an|at|from|and|near|is|are)\b")
ROMANCE_WORDS = re.compile(r"\b(?:de|la|le|les|du|des|et|del|el|los|las|y|para)\b", re.I)
# Events meet somewhere and directories, charities and publications have offices: no clinics.
NOT_CLINIC_WORDS = re.compile(
    r"\b(?:support groups?|meetings?|meet-?ups?|events?|conferences?|webinars?|workshops?|"
    r"seminars?|walks?|fundraisers?|galas?|forums?|directory|finder|locator|guide|association|"
    r"foundation|society|alliance|coalition|charity|magazine|news|blog|journal|podcast|hub)\b",
    re.I)
LISTING_TITLE = re.compile(r"\b(?:clinics|centers|centres|doctors|providers|specialists|"
                           r"physicians|practices)\s+(?:in|near|for|around)\b|\bnear me\b|"
                           r"^(?:best|top|find|search|browse|list of)\b", re.I)
NOT_A_NAME = re.compile(r"^(?:contact(?: us)?|home|about(?: us)?|location[s]?|our locations?|"
                        r"address|directions|hours|office hours|get in touch|find us|visit us|"
                        r"welcome|menu|phone|email|book(?: an)? appointment|services|visit|call|"
                        r"meet|schedule|request|make an appointment|contacto|contactar|"
                        r"nous joindre|accueil|inicio|billing|mailing|remit|payments?)\b", re.I)
# A sentence's end (not an initial or an abbreviation: "Robert G. Salazar, M.D., Inc."), a
# label ("Hours:", "Phone: 555..."; not "Fresenius Medical Care: Westerville"), a number, a
# question or a gerund opening ("Getting to the PET Centre").
SENTENCE_LIKE = re.compile(r"(?<![A-Z])(?<!\bDr)(?<!\bSt)(?<!\bMt)(?<!\bJr)(?<!\bInc)(?<!\bLtd)"
                           r"[.!?]\s|:\s*(?:$|\d)|^\S+:|\d{3}|"
                           r"^(?:how|what|why|when|where|who|understanding|living|is|are|do|"
                           r"does|can|should|welcome to|getting|finding|visiting|coming|"
                           r"parking|travell?ing|booking|contacting)\b", re.I)
PHRASE_START = re.compile(r"^(?:in|for|with|to|at|from|near|of|by|about|on)\s", re.I)
# People, not places: "Dr. Carl Becker, Dr. Brian Brislin", "Jane Roe, MD", "Meet Dr. Ames".
PERSON = re.compile(r"^(?:meet\s+)?(?:dr\.?|doctor|prof\.?)\s+[A-Z]|"
                    r",\s*(?:m\.?d|d\.?o|ph\.?d|d\.?c|n\.?p|pa-c|dpt|lac)\.?\b", re.I)
CAMEL_CASE = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
SLOGAN = re.compile(r"\b(?:in|near|serving|across|throughout|sur|à)\s+(?:the\s+)?[A-Z][\w.'’ -]*$")
BRANCH_TITLE = re.compile(r"^[\w.'’ -]+\s(?:office|location|branch|campus)$", re.I)
WELCOME = re.compile(r"^welcome to\s+(?:the\s+)?", re.I)
TITLE_SEPARATOR = re.compile(r"\s[|–—\-:·•]\s")
COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*[,.]?\s*"
                       r"(?P<name>[^.|•·©]{3,80}?)\s*(?:[.,|•·]|\ball rights\b|\bllc\b|\binc\b|"
                       r"\bback to top\b|\bdesigned by\b|\bpowered by\b|$)",
                       re.I)
LEGAL_SUFFIX = re.compile(r",?\s+(?:llc|l\.l\.c\.|inc\.?|pllc|pc|p\.c\.|ltd\.?|pty\.? ltd\.?|"
                          r"limited|s\.?l\.?|sarl|s\.a\.s\.?)$", re.I)
LOGO = re.compile(r"logo|brand", re.I)
HOME_PAGE_NAMES = ("", ".", "..", "index.html", "index.php")
SITE_ALONE = re.compile(r"^(?:[a-z][a-z\d+.-]*:)?//[^/]*$", re.I)
NAME_EDGES = re.compile(r"^[\s|·•:–—-]+|[\s|·•:–—-]+$")


def words_of(name: str) -> str:
    """A name with its run-together words apart ("PainFinder" -> "Pain Finder")."""
    return CAMEL_CASE.sub(" ", name)


def is_not_clinic(name: str) -> bool:
    """Directories, associations, events and publications name themselves so."""
    return bool(NOT_CLINIC_WORDS.search(words_of(name)))


def is_slogan(text: str) -> bool:
    """"Chiropractic Care in Hornsby", "Ketamine Infusions Near Denver": a line, not a name."""
    return bool(SLOGAN.search(text))


def is_clinic_name(text: str | None) -> bool:
    """A short line that reads like the name of a clinic or practice (one word of a profession
    or an institution alone, "Ostéopathe", "Clinic", names none)."""
    if not is_name_like(text) or is_not_clinic(text) or LISTING_TITLE.search(text):
        return False
    if len(text.split()) == 1 and (INSTITUTION_WORDS.fullmatch(text) or TOPIC_WORDS.fullmatch(
            text)):
        return False
    if INSTITUTION_WORDS.search(text):
        return True
    return bool(TOPIC_WORDS.search(text)) and not LINKING_WORDS.search(text)


def is_name_like(text: str | None, titled: bool = False) -> bool:
    """Short, not a sentence, not a link label: could be a name at all. A card's title link may
    hold a colon ("Thrive: a chiropractic wellness center"); elsewhere a colon makes a label."""
    if not text or len(text) > 90 or len(text) < 3 or NOT_A_NAME.match(text):
        return False
    # Sentences, titles of articles, lines with numbers and phrases ("In practice") are not names.
    if SENTENCE_LIKE.search(text.replace(":", " ") if titled else text) or len(
            text.split()) > 9 or text.endswith((".", "?")):
        return False
    if PHRASE_START.match(text):
        return False
    return not _sentence_case(text)


def _sentence_case(text: str) -> bool:
    """"Non-surgical relief of chronic back pain": an English phrase, not a name (names capitalise
    their words; French and Spanish names keep theirs lower: "Centre de la douleur")."""
    words = text.split()
    if ROMANCE_WORDS.search(text) or not LINKING_WORDS.search(text):
        return False
    lower = [word for word in words[1:] if word[:1].islower() and not LINKING_WORDS.fullmatch(word)]
    return len(lower) >= 3


def is_topic(text: str) -> bool:
    """A service or specialty rather than a name: "PHYSICAL THERAPY", "Pain Management"."""
    return bool(TOPIC_WORDS.search(text)) and not INSTITUTION_WORDS.search(words_of(text))


def is_person(text: str | None) -> bool:
    """A doctor's or therapist's name rather than a practice's."""
    return bool(text) and bool(PERSON.search(text))


def name_before(lines: list[Line], start: int, stop: int) -> str | None:
    """The closest clinic-like heading at or above an address block, not above `stop`."""
    for index in range(start - 1, max(stop, start - 12) - 1, -1):
        line = lines[index]
        text = re.sub(r"^(?:name|clinic|practice)\s*:\s*", "", line.text, flags=re.I)
        title_link = any(link_text == line.text for _, link_text in line.links)
        if (line.heading or title_link or index == start - 1) and is_clinic_name(text):
            return text
    return None


def _without_legal_suffix(name: str) -> str:
    return LEGAL_SUFFIX.sub("", name).strip(" ,")


def _home_link_texts(tree, url: str) -> list[str]:
    """Texts and logo alts of the links to the site's home page, which name whose site it is."""
    if not url.startswith("http"):
        return []
    home = home_url(url)
    found = []
    for link in tree.xpath("//a[@href]"):
        href = link.get("href").strip()
        if not _may_lead_home(href):
            continue
        target = urljoin(url, href)
        if target.split("#")[0] in (home, home + "index.html", home + "index.php", home[:-1]):
            text = clean_text(link.text_content()) or clean_text(link.xpath("string(.//img/@alt)"))
            if text and text.lower() not in ("home", "logo", "accueil", "inicio"):
                found.append(text)
    return found


def _may_lead_home(href: str) -> bool:
    """Whether a link may resolve to a site's home page: its path ends in "/", "index.html" or
    "index.php" (or ".", "..", nothing), or it names the site alone ("https://clinic.com").
    Resolving only those spares resolving every link of a page."""
    path = href.split("#")[0].split("?")[0]
    return path.rsplit("/", 1)[-1] in HOME_PAGE_NAMES or bool(SITE_ALONE.match(path))


def _logo_alts(tree) -> list[str]:
    """The alt text of the site's logo: the first logo image (partners' logos come later)."""
    for image in tree.xpath("//img[@alt]"):
        where = f"{image.get('class', '')} {image.get('id', '')} {image.get('src', '')}"
        alt = clean_text(image.get("alt"))
        if alt and LOGO.search(where):
            alt = re.sub(r"[\s_-]*\blogo\b[\s_-]*|_logo\b", " ", alt, flags=re.I).strip()
            return [alt] if alt else []
    return []


def copyright_names(lines: list[Line]) -> list[str]:
    """Who a copyright line names ("© 2024 Hornsby Chiropractor. All rights reserved.")."""
    names = []
    for line in lines[-40:]:
        match = COPYRIGHT.search(line.text)
        if match:
            before = line.text[:match.start()].strip(" |·•-–—")
            # "Generations Occupational Therapy © 2020 Idaho Falls": the name comes first.
            name = before if before and is_name_like(before) else match.group("name").strip()
            names.append(_without_legal_suffix(name))
    return [name for name in names if is_name_like(name)]


def title_parts(tree) -> list[str]:
    title = clean_text(tree.xpath("string(//title)")) or ""
    return [part.strip() for part in TITLE_SEPARATOR.split(title) if part.strip()]


def site_names(tree, url: str, lines: list[Line]) -> list[str]:
    """The names the site gives itself, strongest first: og:site_name, the brand link or logo,
    the copyright line (not the page title, which a directory's profile page shares)."""
    site_name = clean_text(tree.xpath('string(//meta[@property="og:site_name"]/@content)'))
    found = [site_name] if site_name else []
    return unique_names(found + _home_link_texts(tree, url) + _logo_alts(tree)
                        + copyright_names(lines))


def is_branch_title(text: str | None) -> bool:
    """"Asheboro Office", "Westside Campus": a branch of the site's own practice."""
    return bool(text) and bool(BRANCH_TITLE.match(text))


def unique_names(names: list[str]) -> list[str]:
    """The names that could be names, each once (compared folded), in order; a site name with a
    slogan after a separator loses it ("Emilie Roghi - Ostéopathe sur Paris")."""
    unique: list[str] = []
    for name in names:
        parts = TITLE_SEPARATOR.split(name)
        if len(parts) > 1 and is_slogan(parts[-1]):
            name = " – ".join(parts[:-1])
        name = NAME_EDGES.sub("", name)
        if is_name_like(name) and fold(name) not in {fold(kept) for kept in unique}:
            unique.append(name)
    return unique


def names_the_host(name: str | None, url: str, emails: list[str] = ()) -> bool:
    """Whether the page's domain or its e-mail addresses' domain spell the name."""
    return any(domain_spells(name, host)
               for host in [url] + [email.rsplit("@", 1)[-1] for email in emails])
