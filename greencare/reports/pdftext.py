"""Table columns for the PDF drawn as one artist each, written straight into the PDF.

Profiled on the demo database, matplotlib spent most of a PDF report on the text of its tables:
for every glyph of every line it runs the text shaper, records the glyph and writes a kerned
chunk (about 50,000 glyphs, several seconds), and measures each line again to lay it out.
A table column needs none of that: one font, one size, no rotation, lines at a fixed pitch,
left or right aligned. :class:`TextColumn` lays the lines out itself from advance widths
cached per character and, on matplotlib's PDF renderer, writes each line as one ``Tj`` string
of the embedded (Type 42) font's glyphs, recording each distinct character once so the font
subset and the text layer (copy, search) stay complete.

Anything else falls back to a plain matplotlib ``Text`` with the same layout: another renderer
(PNG, SVG), another font type, a matplotlib without the internals used here, or a character
the first font lacks (matplotlib then falls back per glyph to the CJK fonts in the font list,
and warns about glyphs no font has, which :func:`greencare.reports.render.write_pdf` turns
into a note).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from matplotlib.font_manager import FontProperties
from matplotlib.text import Text

#: The first line's baseline below its top, in ems (where matplotlib puts it for DejaVu Sans).
ASCENT = 0.72


@lru_cache(maxsize=64)
def _advances(fname: str, face: int) -> tuple[dict[int, int], dict[int, float]]:
    """A font's character map and an (empty) cache of advances in ems, per font file."""
    from matplotlib.font_manager import get_font

    font = get_font(fname)
    return dict(font.get_charmap()), {}


_FONTS: dict[tuple[Any, ...], Any] = {}


def _fast_font(prop: FontProperties) -> Any:
    """The first font of ``prop``'s list as matplotlib's PDF renderer would pick it (looked up
    once per family list, weight and style)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    key = (tuple(prop.get_family()), prop.get_weight(), prop.get_style(),
           tuple(mpl.rcParams["font.sans-serif"]), prop.get_file())  # fmt: skip
    if key not in _FONTS:
        fnames = font_manager.fontManager._find_fonts_by_props(prop)
        _FONTS[key] = font_manager.get_font(fnames[:1])
    return _FONTS[key]


def advance_em(font: Any, chars: str) -> float | None:
    """The width of ``chars`` in ems with ``font``, or None when it lacks one of them."""
    from matplotlib.ft2font import LoadFlags

    cmap, widths = _advances(font.fname, getattr(font, "face_index", 0))
    known = widths.get(chars)  # type: ignore[call-overload]
    if known is not None:  # a line met before (units, labels, headings repeat page after page)
        return known  # type: ignore[no-any-return]
    total = 0.0
    for ch in chars:
        code = ord(ch)
        if code not in cmap:
            return None
        w = widths.get(code)
        if w is None:
            font.set_size(100, 72)
            w = widths[code] = font.load_char(code, LoadFlags.NO_HINTING).linearHoriAdvance / (
                65536 * 100
            )
        total += w
    if len(widths) < _LINES_CACHED:
        widths[chars] = total  # type: ignore[index]
    return total


#: Most advances (characters and whole lines) kept per font.
_LINES_CACHED = 200_000


class TextColumn(Text):
    """A matplotlib ``Text`` of lines at a fixed pitch, left or right aligned, that matplotlib's
    PDF renderer gets as a handful of text operators: one artist for a table column instead
    of one per cell. Its top (``va="top"``) or first baseline (``va="baseline"``) is at
    (x, y). Other renderers, and text the fast path cannot take, draw as a plain ``Text``."""

    def __init__(
        self,
        x: float,
        y: float,
        lines: list[str],
        *,
        size: float,
        ha: str = "left",
        weight: str = "normal",
        style: str = "normal",
        color: str = "black",
        linespacing: float = 1.25,
        va: str = "top",
    ) -> None:
        super().__init__(x, y, "\n".join(lines), fontsize=size, fontweight=weight,
                         fontstyle=style, color=color, ha=ha, va=va, multialignment=ha,
                         linespacing=linespacing)  # fmt: skip

    #: More columns drawn by this artist: (x, lines, ha), at the same y, size and style.
    more: Sequence[tuple[float, list[str], str]] = ()

    def columns(self) -> list[tuple[float, list[str], str]]:
        x, _ = self.get_unitless_position()
        first = (x, self.get_text().split("\n"), self.get_horizontalalignment())
        return [first, *self.more]

    def draw(self, renderer: Any) -> None:
        if not self.get_visible():
            return
        if self._draw_pdf(renderer):
            self.stale = False
            return
        super().draw(renderer)
        for x, lines, ha in self.more:  # the plain path: a Text per further column
            other = Text(x, self.get_unitless_position()[1], "\n".join(lines),
                         fontproperties=self.get_fontproperties(), color=self.get_color(),
                         ha=ha, va=self.get_verticalalignment(), multialignment=ha,
                         linespacing=self._linespacing, transform=self.get_transform())  # fmt: skip
            other.set_figure(self.get_figure())
            other.draw(renderer)

    def _draw_pdf(self, renderer: Any) -> bool:
        """Write the lines as PDF text operators; False when this renderer or matplotlib
        cannot take the fast path (the caller then draws a plain Text)."""
        import matplotlib as mpl

        try:
            from matplotlib.backends.backend_pdf import Op, RendererPdf
            from matplotlib.font_manager import FontPath
        except ImportError:  # matplotlib before 3.11: the plain path
            return False
        renderer = getattr(renderer, "_renderer", renderer)  # savefig's MixedModeRenderer
        if not isinstance(renderer, RendererPdf) or mpl.rcParams["pdf.fonttype"] != 42:
            return False
        if mpl.rcParams["pdf.use14corefonts"] or self.get_rotation() != 0:
            return False
        va = self.get_verticalalignment()
        if va not in ("top", "baseline") or any(c[2] not in ("left", "right")
                                                 for c in self.columns()):  # fmt: skip
            return False
        prop = self.get_fontproperties()
        font = _fast_font(prop)
        columns = []
        for x, lines, col_ha in self.columns():
            widths = [advance_em(font, line) for line in lines]
            if any(w is None for w in widths):
                return False  # a glyph from a fallback font: matplotlib's own path handles it
            columns.append((x, lines, col_ha, widths))
        face = getattr(font, "face_index", 0)
        cmap, _ = _advances(font.fname, face)
        tracker = renderer.file._character_tracker
        # What the tracker answered for a character of this font, once per PDF file (it
        # records the glyph the first time and answers the same after that).
        seen = tracker.__dict__.setdefault("_greencare_codes", {}).setdefault(
            (font.fname, face), {}
        )
        codes: dict[str, tuple[int, bytes]] = {}
        for ch in set("".join("".join(c[1]) for c in columns)):
            if ch not in seen:
                subset, code = tracker.track_glyph(font, ch, cmap[ord(ch)])
                seen[ch] = (subset, int(code).to_bytes(2, "big"))
            codes[ch] = seen[ch]
        names: dict[int, Any] = {}
        transform = self.get_transform()
        _, y_frac = self.get_unitless_position()
        scale = renderer.points_to_pixels(1.0)
        size = prop.get_size_in_points()
        pitch = size * self._linespacing * scale
        gc = renderer.new_gc()
        gc.set_foreground(self.get_color())
        gc.set_alpha(self.get_alpha())
        renderer.check_gc(gc, gc._rgb)
        out = renderer.file.output
        out(Op.begin_text)
        current = None
        px, py = 0.0, 0.0
        for x_frac, lines, col_ha, widths in columns:
            x0, y0 = transform.transform((x_frac, y_frac))
            for k, (line, width) in enumerate(zip(lines, widths, strict=True)):
                if not line:
                    continue
                x = x0 - (width or 0.0) * size * scale if col_ha == "right" else x0
                y = y0 - (ASCENT * size * scale if va == "top" else 0.0) - k * pitch
                out(x - px, y - py, Op.textpos)  # from the previous line's start
                px, py = x, y
                run: list[bytes] = []
                for ch in line:  # one string per run of a font subset (matplotlib's subsets)
                    subset, code = codes[ch]
                    if subset != current:
                        if run:
                            out(b"".join(run), Op.show)
                            run = []
                        if subset not in names:
                            names[subset] = renderer.file.fontName(FontPath(font.fname, face),
                                                                   subset)  # fmt: skip
                        out(names[subset], size * scale, Op.selectfont)
                        current = subset
                    run.append(code)
                out(b"".join(run), Op.show)
        out(Op.end_text)
        gc.restore()
        return True


def add_text(
    fig: Any,
    x: float,
    y: float,
    text: str | list[str],
    *,
    fontsize: float,
    linespacing: float = 1.2,
    **style: Any,
) -> TextColumn:
    """``fig.text`` for the PDF's pages (``va`` "top" or "baseline") as a :class:`TextColumn`,
    in ``fig.texts`` like any figure text."""
    style.setdefault("va", "baseline")  # as fig.text
    lines = text if isinstance(text, list) else str(text).split("\n")
    artist = TextColumn(x, y, lines, size=fontsize, linespacing=linespacing, **style)
    artist.set_transform(fig.transSubfigure)
    artist.set_figure(fig)
    fig.texts.append(artist)
    artist._remove_method = fig.texts.remove
    return artist


# --- a trimmed DejaVu Sans for the PDF -------------------------------------------------------

#: The family name of the trimmed copy of DejaVu Sans the PDF uses first.
TRIMMED = "Greencare DejaVu Sans"
#: What the trimmed copy keeps: Latin (with Vietnamese), Greek, Cyrillic, punctuation,
#: sub- and superscripts, currency, letterlike symbols, arrows, maths, shapes. Characters
#: outside fall back to the full DejaVu Sans (then any CJK font), glyph by glyph.
TRIM_RANGES = ((0x20, 0x24F), (0x1E00, 0x1EFF), (0x370, 0x3FF), (0x400, 0x4FF),
               (0x2000, 0x22FF), (0x25A0, 0x25FF))  # fmt: skip
_STYLES = {"": ("normal", "normal"), "-Bold": ("bold", "normal"),
           "-Oblique": ("normal", "oblique")}  # fmt: skip
_registered: list[str] = []


def trimmed_family() -> str | None:
    """The family of a DejaVu Sans without its layout tables and with fewer glyphs, built once
    into matplotlib's cache folder and registered; None when it cannot be built.

    Why: matplotlib subsets every embedded font with fontTools, which parses DejaVu's layout
    tables each time (profiled: about a second a report for three faces), and its ligatures
    ("fi") put glyphs in a second subset, embedding each face twice. The copy has no ligatures
    or kerning, which a table does not miss; every glyph it keeps is DejaVu's own."""
    if _registered:
        return _registered[0] or None
    try:
        paths = [_trimmed(suffix) for suffix in _STYLES]
        from matplotlib import font_manager

        for path in paths:
            font_manager.fontManager.addfont(str(path))
        _registered.append(TRIMMED)
    except Exception:  # any failure leaves the full DejaVu Sans in use
        _registered.append("")
    return _registered[0] or None


def _trimmed(suffix: str) -> Any:
    import hashlib
    import os
    from pathlib import Path

    import matplotlib
    from fontTools import subset

    source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / f"DejaVuSans{suffix}.ttf"
    stamp = f"{source.stat().st_size}-{matplotlib.__version__}-{TRIM_RANGES}"
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:12]
    folder = Path(matplotlib.get_cachedir()) / "greencare-fonts"
    path = folder / f"GreencareDejaVuSans{suffix}-{digest}.ttf"
    if path.exists():
        return path
    options = subset.Options()
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "kern", "MATH", "FFTM"]
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[u for a, b in TRIM_RANGES for u in range(a, b + 1)])
    cutter.subset(font)
    style = suffix.lstrip("-") or "Book"
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = TRIMMED
        elif record.nameID == 4:
            record.string = f"{TRIMMED} {style}"
        elif record.nameID == 6:
            record.string = f"GreencareDejaVuSans-{style}"
    folder.mkdir(parents=True, exist_ok=True)
    temp = path.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(temp))
    os.replace(temp, path)
    return path
