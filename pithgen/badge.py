"""The embeddable badge of a record (``pith/{SUFFIX}/badge.svg``) and the snippets that
embed it, as Pith offers one per record.

The badge is a small self-contained SVG: no external font, image, style sheet or script,
so it renders the same wherever it is embedded (a README, a slide, a web page) and loads
nothing from anywhere. Text widths are fixed with ``textLength`` so that the layout does
not depend on which font the viewer has. It is a pure function of the record (its Pith
Number and arXiv id), so a record's badge never changes unless the record does; it is only
ever written for a record this mirror verified.
"""

from __future__ import annotations

from dataclasses import dataclass

from pithgen.model import RecordDocument

HEIGHT = 20
CHAR_WIDTH = 7  # px per character at 11px Verdana/DejaVu Sans, rounded up
PAD = 6
LABEL = "verified"
LABEL_BG = "#555555"  # white text on it: 7.46:1
VALUE_BG = "#0a6b2c"  # white text on it: 6.66:1


def _xml(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


@dataclass(frozen=True)
class Badge:
    """The badge of one record: its text, its size and its SVG bytes."""

    label: str
    value: str
    description: str
    width: int
    svg: bytes


def badge_for(doc: RecordDocument) -> Badge:
    """The badge of a verified record: ``verified | pith:SHORT8``, described in full (Pith
    Number and arXiv id) for screen readers and tooltips."""
    value = f"pith:{doc.suffix[:8]}"
    description = (
        f"{doc.pith_number}: the Pith Number of arXiv:{doc.arxiv_id}v{doc.version}, "
        "hash and signature verified"
    )
    left = len(LABEL) * CHAR_WIDTH + 2 * PAD
    right = len(value) * CHAR_WIDTH + 2 * PAD
    width = left + right
    text_y = 14
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
        f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{_xml(description)}">\n'
        f"<title>{_xml(description)}</title>\n"
        f'<rect width="{left}" height="{HEIGHT}" rx="3" fill="{LABEL_BG}"/>\n'
        f'<rect x="{left}" width="{right}" height="{HEIGHT}" rx="3" fill="{VALUE_BG}"/>\n'
        f'<rect x="{left}" width="4" height="{HEIGHT}" fill="{VALUE_BG}"/>\n'
        '<g fill="#ffffff" font-family="Verdana,DejaVu Sans,Geneva,sans-serif" '
        'font-size="11" text-anchor="middle">\n'
        f'<text x="{left / 2:g}" y="{text_y}" textLength="{left - 2 * PAD}" '
        f'lengthAdjust="spacingAndGlyphs">{_xml(LABEL)}</text>\n'
        f'<text x="{left + right / 2:g}" y="{text_y}" textLength="{right - 2 * PAD}" '
        f'lengthAdjust="spacingAndGlyphs">{_xml(value)}</text>\n'
        "</g>\n</svg>\n"
    )
    return Badge(LABEL, value, description, width, svg.encode("utf-8"))


def badge_snippets(badge: Badge, image_url: str, page_url: str) -> tuple[str, str]:
    """The Markdown and HTML that embed ``badge`` (at ``image_url``) linking to the
    record's page (``page_url``)."""
    alt = f"{badge.label} {badge.value}"
    markdown = f"[![{alt}]({image_url})]({page_url})"
    html = (
        f'<a href="{_xml(page_url)}"><img src="{_xml(image_url)}" alt="{_xml(alt)}" '
        f'title="{_xml(badge.description)}" width="{badge.width}" height="{HEIGHT}"></a>'
    )
    return markdown, html
