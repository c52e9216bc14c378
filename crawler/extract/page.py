"""A fetched page parsed once: its tree, visible lines, schema.org nodes and whose site it is."""

from __future__ import annotations

from functools import cached_property

from rapidfuzz import fuzz
from w3lib.encoding import html_to_unicode

from crawler.extract import structured
from crawler.extract.contacts import cloudflare_emails, emails_in, phones_in
from crawler.extract.lines import Line, content_of, page_lines
from crawler.extract.names import (
    INSTITUTION_WORDS,
    LISTING_TITLE,
    WELCOME,
    is_branch_title,
    is_clinic_name,
    is_name_like,
    is_not_clinic,
    is_slogan,
    names_the_host,
    site_names,
    title_parts,
    unique_names,
    words_of,
)
from reliefmap.normalise import clean_text, fold, registered_domain


def decode(body: str | bytes, encoding: str | None = None) -> str:
    """Unicode text of a page, from the given encoding, its BOM or its meta charset."""
    if isinstance(body, str):
        return body
    header = f"text/html; charset={encoding}" if encoding else None
    return html_to_unicode(header, body)[1]


SITE_NAME_WORDS = 6


def _same_name(first: str, second: str) -> bool:
    return fuzz.token_set_ratio(fold(words_of(first)), fold(words_of(second))) >= 90


def best_spelling(name: str, names: list[str]) -> str:
    """The spelling of a name with its words apart: "MD Health Clinics" for "MDHealthClinics"."""
    squeezed = fold(name).replace(" ", "")
    same = [other for other in names if fold(other).replace(" ", "") == squeezed]
    return max([name] + same, key=lambda other: other.count(" "))


class Page:
    """What every extraction step reads from one page."""

    def __init__(self, body: str | bytes, url: str, encoding: str | None = None, tree=None):
        """`tree`: the page parsed already (a crawl's response parsed for its links), else the
        page is parsed here."""
        self.url = url
        self.html = decode(body, encoding)
        self.tree = tree if tree is not None else structured.parse_tree(self.html)
        body_element = self.tree.find("body")
        self.lines: list[Line] = page_lines(body_element if body_element is not None
                                            else self.tree)
        self._own_site: dict[str | None, bool] = {}  # asked for each record several times

    @cached_property
    def content(self) -> list[Line]:
        """The page's own content: no header, menus, sidebars or footer."""
        return content_of(self.lines)

    @cached_property
    def nodes(self) -> list[dict]:
        return structured.page_nodes(self.tree, self.html, self.url)

    @cached_property
    def headings(self) -> list[str]:
        """The texts of the page's h1 elements."""
        found = self.tree.xpath("//h1//text()[normalize-space()]/ancestor::h1[1]")
        return [WELCOME.sub("", clean_text(h.text_content()) or "") for h in found]

    @cached_property
    def site_names(self) -> list[str]:
        """The names the site gives itself (og:site_name, brand link, logo, copyright line)."""
        return site_names(self.tree, self.url, self.lines)

    @cached_property
    def titles(self) -> list[str]:
        """The parts of the page title ("Contact | Hornsby Chiropractor")."""
        return title_parts(self.tree)

    @cached_property
    def brands(self) -> list[str]:
        """The site's names, then the parts of the page title."""
        return unique_names(self.site_names + self.titles)

    @cached_property
    def emails(self) -> list[str]:
        return emails_in(self.lines) + cloudflare_emails(self.tree)

    @cached_property
    def own_emails(self) -> list[str]:
        """Addresses at the page's own domain (a directory lists its clinics' addresses too)."""
        domain = registered_domain(self.url)
        return [email for email in self.emails
                if registered_domain(email.rsplit("@", 1)[-1]) == domain]

    def phones(self, country: str) -> list[str]:
        """Every clinic phone on the page, header and footer included, in order."""
        return phones_in(self.lines, country)

    @cached_property
    def description(self) -> str | None:
        return clean_text(self.tree.xpath('string(//meta[@name="description"]/@content)'))

    @cached_property
    def name(self) -> str | None:
        """The clinic a single-clinic page names: an institution's heading ("Pain Management
        Service"), a name the host or e-mail domain spells, the site's own name, the title.

        A heading that only names a topic ("Ketamine Infusion Therapy", "Relief Is Possible")
        or reads like a slogan ("Chiropractic Care in Hornsby") yields to the site's name.
        """
        headings = [heading for heading in self.headings if not is_slogan(heading)]
        institution = next((heading for heading in headings
                            if INSTITUTION_WORDS.search(heading) and is_clinic_name(heading)), None)
        if institution:
            return institution
        candidates = self.brands + headings + self.titles
        spelled = next((name for name in candidates if is_name_like(name)
                        and not is_not_clinic(name)
                        and names_the_host(name, self.url, self.emails)), None)
        found = spelled or next((name for name in candidates if is_clinic_name(name)), None)
        return best_spelling(found, self.brands) if found else None

    @cached_property
    def brand(self) -> str | None:
        """The site's own name when it is a clinic's: it reads like one, or the site's e-mail
        domain or host spells it (a directory's or association's name is no clinic)."""
        for name in self.site_names:
            if is_not_clinic(name):
                return None
            if is_clinic_name(name) or names_the_host(name, self.url, self.own_emails):
                return best_spelling(name, self.site_names + self.titles)
        if self.site_names:
            return None
        # A site that names itself nowhere else does so in its titles.
        return next((part for part in self.titles
                     if is_clinic_name(part) and not is_slogan(part)), None)

    @cached_property
    def is_clinic_site(self) -> bool:
        """Whether the site names itself as a clinic or practice (in its names or title)."""
        # A title or heading longer than a name is an article's.
        names = self.site_names + [name for name in self.titles + self.headings[:1]
                                   if len(name.split()) <= SITE_NAME_WORDS]
        return any(INSTITUTION_WORDS.search(words_of(name)) and not is_not_clinic(name)
                   and not LISTING_TITLE.search(name) for name in names)

    def own_site(self, name: str | None) -> bool:
        """Whether the page sits on this clinic's own site: its domain spells the name, or the
        site's own name (og:site_name, brand link, logo, copyright) is it, or it is a branch
        ("Asheboro Office") on the site of a practice.

        The page title is no evidence: a directory's page about a clinic is titled by it.
        """
        if name not in self._own_site:
            self._own_site[name] = self._is_own_site(name)
        return self._own_site[name]

    def _is_own_site(self, name: str | None) -> bool:
        if not name:
            return False
        if names_the_host(name, self.url, self.own_emails):
            return True
        if any(_same_name(site, name) for site in self.site_names):
            return True
        return is_branch_title(name) and bool(self.brand) and self.own_site(self.brand)

    @cached_property
    def text(self) -> str:
        """The page's own content as text, for classification."""
        return "\n".join(line.text for line in self.content)
