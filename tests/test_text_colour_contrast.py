"""Colour contrast of text utility colours: every Bootstrap text colour class our templates use
(`.text-danger`, `.text-success`, `.text-secondary`, `.text-*-emphasis`, the `.text-bg-*` badges)
and the form's error and success text reach WCAG AA's 4.5:1 against the backgrounds they sit on:
white cards (`bg-white`), the page (`bg-body-tertiary`) and `bg-light` panels.

The colours are computed from the CSS the browser gets: Bootstrap's light-theme custom
properties, overridden by the ones static/css/app.css sets, then each class's own rule (from
app.css if it has one, else Bootstrap's)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

BASE = Path(settings.BASE_DIR)
BOOTSTRAP = (BASE / "static/vendor/bootstrap/bootstrap.min.css").read_text(encoding="utf-8")
APP = (BASE / "static/css/app.css").read_text(encoding="utf-8")
AA = 4.5

# Where text sits: the page, white cards and light panels.
BACKGROUNDS = (".bg-body-tertiary", ".bg-white", ".bg-light")
# What the forms show in colour (crispy-bootstrap5's error and success text).
FORM_TEXT = (".invalid-feedback", ".valid-feedback")
USED_CLASS = re.compile(
    r"\b(text-bg-[a-z]+|text-(?:danger|success|warning|info|primary|secondary|muted|dark)"
    r"(?:-emphasis)?|text-body-(?:secondary|emphasis|tertiary))\b"
)


def _without_comments(css):
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def _declarations(block):
    found = {}
    for part in block.split(";"):
        if ":" in part:
            name, value = part.split(":", 1)
            found[name.strip()] = value.replace("!important", "").strip()
    return found


def _root_properties():
    """Bootstrap's light-theme custom properties with app.css's :root overrides on top."""
    light = re.search(r":root,\[data-bs-theme=light\]\{([^}]*)\}", BOOTSTRAP).group(1)
    properties = _declarations(light)
    for block in re.findall(r":root\s*\{([^}]*)\}", _without_comments(APP)):
        properties.update(_declarations(block))
    return properties


def _rule(selector):
    """The declarations for `selector`: Bootstrap's, with app.css's rule for it on top."""
    declarations = {}
    pattern = re.compile(r"([^{}]+)\{([^{}]*)\}")
    for css in (BOOTSTRAP, _without_comments(APP)):
        for selectors, block in pattern.findall(css):
            if selector in [s.strip() for s in selectors.split(",")]:
                declarations.update(_declarations(block))
    return declarations


def _resolve(value, properties, local):
    for _ in range(10):
        found = re.search(r"var\((--[\w-]+)(?:,([^()]*))?\)", value)
        if not found:
            break
        name, fallback = found.group(1), found.group(2)
        replacement = local.get(name, properties.get(name, fallback))
        assert replacement is not None, f"unknown custom property {name} in {value}"
        value = value[: found.start()] + replacement.strip() + value[found.end() :]
    return value


def _rgba(value):
    value = value.strip().lower()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4)) + (1.0,)
    found = re.fullmatch(r"rgba?\(([^)]*)\)", value)
    assert found, f"not a colour: {value}"
    parts = [float(p) for p in found.group(1).split(",")]
    return (*parts[:3], parts[3] if len(parts) > 3 else 1.0)


def colour(selector, prop):
    properties = _root_properties()
    rule = _rule(selector)
    assert prop in rule, f"{selector} sets no {prop}"
    return _rgba(_resolve(rule[prop], properties, rule))


def _over(top, bottom):
    alpha = top[3]
    return tuple(top[i] * alpha + bottom[i] * (1 - alpha) for i in range(3)) + (1.0,)


def _luminance(rgba):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text, background):
    lighter, darker = sorted((_luminance(_over(text, background)), _luminance(background)))[::-1]
    return (lighter + 0.05) / (darker + 0.05)


def used_text_classes():
    found = set()
    for root in [BASE / "templates"] + [BASE / app / "templates" for app in ("initiatives",)]:
        for path in root.rglob("*.html") if root.exists() else ():
            if "email" in path.parts:
                continue  # emails carry their own inline colours
            found |= set(USED_CLASS.findall(path.read_text(encoding="utf-8")))
    return sorted(found)


def test_the_scan_finds_the_text_colours_the_templates_use():
    used = used_text_classes()
    assert {"text-danger", "text-secondary", "text-success", "text-bg-danger"} <= set(used)


@pytest.mark.parametrize("name", used_text_classes() + list(FORM_TEXT))
def test_text_colour_contrast_reaches_wcag_aa(name):
    selector = name if name.startswith(".") else f".{name}"
    text = colour(selector, "color")
    if name.startswith("text-bg-"):
        backgrounds = {selector: colour(selector, "background-color")}
    else:
        backgrounds = {bg: colour(bg, "background-color") for bg in BACKGROUNDS}
    for where, background in backgrounds.items():
        ratio = contrast(text, background)
        assert ratio >= AA, f"{selector} on {where}: {ratio:.2f}:1, under {AA}:1"


def test_the_contrast_computation_matches_known_pairs():
    black, white = (0, 0, 0, 1.0), (255, 255, 255, 1.0)
    assert contrast(black, white) == pytest.approx(21)
    assert contrast(_rgba("#767676"), white) == pytest.approx(4.54, abs=0.01)
    assert contrast(_rgba("#dc3545"), _rgba("#f8f9fa")) < AA  # Bootstrap's red on the page
