"""The handbook's colours from clausier.yml, and a logo that stays visible on the header.

The header is the brand's primary colour, and a logo is usually drawn in that same colour:
on the header it would vanish. The logo sits on a plate, light or dark, whichever contrasts
with the header by at least 3:1 (WCAG's minimum for graphics); white when it does.
"""

from __future__ import annotations

PLATES = ("#ffffff", "#1b1b1f")  # preferred first
MIN_CONTRAST = 3.0


def luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of `#rrggbb`."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def logo_plate(header: str) -> str:
    """The colour behind the logo on a header of colour `header`."""
    for plate in PLATES:
        if contrast(plate, header) >= MIN_CONTRAST:
            return plate
    return max(PLATES, key=lambda plate: contrast(plate, header))  # never reached for #rrggbb


def brand_css(colors) -> str:
    """The theme's colours set to the brand's, in both schemes, and the logo's plate."""
    plate = logo_plate(colors.primary)
    return (
        ":root, [data-md-color-scheme=default], [data-md-color-scheme=slate] {\n"
        f"  --md-primary-fg-color: {colors.primary};\n"
        f"  --md-primary-fg-color--dark: {colors.primary};\n"
        f"  --md-accent-fg-color: {colors.accent};\n"
        "}\n"
        ".md-header__button.md-logo img, .md-nav__button.md-logo img {\n"
        f"  background-color: {plate}; padding: .1rem; border-radius: .25rem;\n"
        "}\n"
        "[data-md-color-scheme=slate] { --md-typeset-a-color: #9ec1ea; }\n"
        ".md-typeset mark { background-color: rgba(181, 101, 29, .18); color: inherit; padding: 0 .15em; }\n"
        ".md-typeset ins.critic { background-color: rgba(46, 160, 67, .18); text-decoration: underline; }\n"
        ".md-typeset del.critic { background-color: rgba(248, 81, 73, .18); text-decoration: line-through; }\n"
    )
