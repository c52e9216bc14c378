"""A page's visible text as lines, each knowing its links, whether it is a heading and whether
it sits in the site's chrome (header, menus, sidebars, footer)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reliefmap.normalise import clean_text

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul",
}
CHIP_TAGS = {"a", "span"}
HEADING_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "dt", "th"}
SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "head", "iframe", "select",
             "button", "option", "title", "meta", "link"}
# Site chrome: never part of what a page says about a clinic's care (nor are patients' reviews,
# which mention whatever they like). A class or id is chrome when it is one of these words or
# starts or ends with one ("site-header", "menu-item"), not when the word sits inside a page
# builder's name ("elementor-widget-container" is content). Page builders call every content
# block a widget ("elementor-widget"), so "widget" counts only as a prefix.
CHROME_WORDS = (
    "nav|navbar|navigation|menu|menus|breadcrumb|breadcrumbs|sidebar|cookie|"
    "cookies|footer|header|masthead|skip-link|social|share|sharing|related|comment|comments|"
    "newsletter|popup|modal|recent|latest|posts|review|reviews|testimonial|testimonials"
)
CHROME = re.compile(rf"^(?:{CHROME_WORDS}|widget|widgets)(?:$|[-_])|[-_](?:{CHROME_WORDS})$",
                    re.I)
CHROME_TAGS = {"nav", "header", "footer", "aside", "form"}
CHROME_ROLES = {"navigation", "banner", "contentinfo"}
LINK_BAR_REST = re.compile(r"[\s|·•/,\-–—]+")
SPACE = re.compile(r"\s+")


@dataclass
class Line:
    """One visible line of a page, with the links and headings it holds."""

    text: str
    heading: bool = False
    links: list[tuple[str, str]] = field(default_factory=list)
    chrome: bool = False


def is_chrome(element) -> bool:
    """Navigation, headers, footers, menus and sidebars."""
    if not isinstance(element.tag, str) or element.tag in ("html", "body", "main", "article"):
        return False
    if element.tag == "header" and element.xpath("ancestor::*[self::article or self::main "
                                                 "or self::section]"):
        return False  # the heading of an article or a card, not the site's banner
    if element.tag in CHROME_TAGS or element.get("role") in CHROME_ROLES:
        return True
    names = f"{element.get('class', '')} {element.get('id', '')}".split()
    return any(CHROME.search(name) for name in names)


def _plain(text: str) -> str:
    """Text nodes are plain already: collapse spaces; only escaped markup needs cleaning."""
    return (clean_text(text) or "") if "<" in text else SPACE.sub(" ", text).strip()


def is_link_bar(text: str, links: list[tuple[str, str]]) -> bool:
    """A line of nothing but links and separators ("Home | Nerve Blocks | Contact"): a menu.
    A card's row of actions ("Full record · (520) 609-8488 · Email") is no menu."""
    if len(links) < 3 or any(href.lower().startswith(("tel:", "mailto:")) for href, _ in links):
        return False
    for _, link_text in links:
        text = text.replace(link_text, "", 1)
    return not LINK_BAR_REST.sub("", text)


def _hidden(element) -> bool:
    return (element.get("hidden") is not None
            or "display:none" in (element.get("style") or "").replace(" ", ""))


def _chips(previous, element) -> bool:
    """Links or spans side by side with nothing between them: a row of tags or badges
    ("Acupuncture", "Telehealth") that styles set apart; their words must not run together."""
    return (previous is not None and previous.tag in CHIP_TAGS and element.tag in CHIP_TAGS
            and not previous.tail)


class _Reader:
    """Walks an element tree once, breaking lines at blocks and `<br>`.

    A line is chrome when its first text sits in chrome; a bar of links is a menu wherever it is.
    """

    def __init__(self):
        self.lines: list[Line] = []
        self.current = Line("")

    def add(self, text: str, chrome: bool) -> None:
        if not self.current.text.strip():
            self.current.chrome = chrome
        self.current.text += text

    def flush(self) -> None:
        line = self.current
        text = _plain(line.text)
        if text:
            line.text = text
            line.chrome = line.chrome or is_link_bar(text, line.links)
            self.lines.append(line)
        elif line.links and self.lines:
            self.lines[-1].links.extend(line.links)
        self.current = Line("")

    def walk(self, element, in_heading: bool, outer_chrome: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or tag in SKIP_TAGS or _hidden(element):
            if element.tail:
                self.add(" " + element.tail, outer_chrome)
            return
        chrome = outer_chrome or is_chrome(element)
        block = tag in BLOCK_TAGS
        heading = in_heading or tag in HEADING_TAGS
        if block:
            self.flush()
        if heading and not in_heading and not self.current.text.strip():
            self.current.heading = True
        if tag == "a" and element.get("href"):
            self.current.links.append((element.get("href"), _plain(element.text_content())))
        if element.text:
            self.add(element.text, chrome)
        previous = None
        for child in element:
            if _chips(previous, child):
                self.add(" ", chrome)
            self.walk(child, heading, chrome)
            previous = child
        if block:
            self.flush()
        if element.tail:
            self.add(element.tail, outer_chrome)


def page_lines(root, skip_chrome: bool = False) -> list[Line]:
    """The visible lines of an element: blocks and `<br>` break lines, table cells too.

    With `skip_chrome`, only the page's own content: no header, menus, sidebars or footer.
    """
    reader = _Reader()
    reader.walk(root, False, False)
    reader.flush()
    return [line for line in reader.lines if not (skip_chrome and line.chrome)]


def content_of(lines: list[Line]) -> list[Line]:
    """The lines that are the page's own content, not its chrome."""
    return [line for line in lines if not line.chrome]
