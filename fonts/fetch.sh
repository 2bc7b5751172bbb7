#!/usr/bin/env bash
# Rebuild the fonts/ folder from the package registries (npm, Debian apt, PyPI)
# and verify the result byte for byte against fonts/SHA256SUMS.
#
# Needs: npm, apt-get + dpkg-deb (Debian bookworm package lists; the script runs
# `apt-get update` itself if the pinned version is not known, which needs root),
# python3 with the venv module, sha256sum. Everything is fetched and built in a
# temporary directory; only the final files are copied into fonts/.
set -euo pipefail

NOTO_NPM='@expo-google-fonts/noto-serif-sc'
NOTO_VERSION='0.4.3'
DEB_PACKAGE='texlive-lang-chinese'
DEB_VERSION='2022.20230122-1'
FONTTOOLS_VERSION='4.68.0'

fonts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
out="$work/out"
mkdir "$out"

echo "== npm pack $NOTO_NPM@$NOTO_VERSION"
npm pack --silent "$NOTO_NPM@$NOTO_VERSION" >/dev/null
mkdir npm
tar -xzf "expo-google-fonts-noto-serif-sc-$NOTO_VERSION.tgz" -C npm
noto="npm/package"

echo "== apt-get download $DEB_PACKAGE=$DEB_VERSION"
if ! apt-cache show "$DEB_PACKAGE=$DEB_VERSION" >/dev/null 2>&1; then
    apt-get update -qq
fi
apt-get download -q -o APT::Sandbox::User=root "$DEB_PACKAGE=$DEB_VERSION"
mkdir deb
dpkg-deb -x "${DEB_PACKAGE}_${DEB_VERSION}_all.deb" deb
fandol_fonts="deb/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol"
fandol_doc="deb/usr/share/doc/texlive-doc/fonts/fandol"
deb_doc="deb/usr/share/doc/$DEB_PACKAGE"

echo "== pip install fonttools==$FONTTOOLS_VERSION (temporary venv)"
python3 -m venv venv
venv/bin/pip install --quiet --disable-pip-version-check "fonttools==$FONTTOOLS_VERSION"

# Code points kept by the subset: every two-byte GBK code (decoded with
# Python's 'gbk' codec, i.e. GB2312 + GBK extensions) plus whole blocks of
# ASCII, Latin, Greek/Cyrillic, punctuation, symbols, CJK symbols, kana,
# bopomofo, the full CJK Unified Ideographs block, compatibility ideographs and
# full-width/half-width forms. Code points the font does not have are ignored.
export PYTHONHASHSEED=0
venv/bin/python - >unicodes.txt <<'EOF'
keep = set()
for b1 in range(0x81, 0xFF):
    for b2 in range(0x40, 0xFF):
        if b2 == 0x7F:
            continue
        try:
            c = bytes([b1, b2]).decode("gbk")
        except UnicodeDecodeError:
            continue
        if len(c) == 1:
            keep.add(ord(c))
ranges = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x036F),  # Latin-1, Latin Extended-A/B, IPA, spacing modifiers, combining marks
    (0x0370, 0x04FF),  # Greek, Cyrillic
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2000, 0x27BF),  # punctuation, currency, letterlike, number forms, arrows,
                       # math operators, technical, enclosed (circled numbers),
                       # box drawing, shapes, misc symbols, dingbats
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3000, 0x33FF),  # CJK symbols and punctuation, kana, bopomofo,
                       # enclosed CJK, CJK compatibility
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs (whole block)
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0xFE10, 0xFE1F),  # vertical forms
    (0xFE30, 0xFE6F),  # CJK compatibility forms, small form variants
    (0xFF00, 0xFFEF),  # half-width and full-width forms
]
for lo, hi in ranges:
    keep.update(range(lo, hi + 1))
for u in sorted(keep):
    print("U+%04X" % u)
EOF

subset() {
    venv/bin/pyftsubset "$1" \
        --unicodes-file=unicodes.txt \
        --layout-features='*' \
        --name-IDs='*' --name-languages='*' --name-legacy \
        --notdef-outline \
        --no-recalc-timestamp \
        --output-file="$2"
}

echo "== subset Noto Serif SC Black (900) and Regular (400)"
subset "$noto/900Black/NotoSerifSC_900Black.ttf" "$out/NotoSerifSC-Black.ttf"
subset "$noto/400Regular/NotoSerifSC_400Regular.ttf" "$out/NotoSerifSC-Regular.ttf"
cp "$noto/LICENSE_FONT" "$out/OFL.txt"

echo "== convert FandolFang Regular to TrueType outlines, and copy its licence texts"
# Same glyphs, metrics, names and layout tables; only the outlines change
# from cubic (CFF) to quadratic (glyf), within 1/1000 em. Embedding a glyf
# subset in each PDF costs far less than a CFF one (no charstrings to
# decompile and rebuild), which was a third of the PDF export time.
venv/bin/python - "$fandol_fonts/FandolFang-Regular.otf" "$out/FandolFang-Regular.ttf" <<'EOF'
import sys
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

font = TTFont(sys.argv[1], recalcTimestamp=False)
order = font.getGlyphOrder()
cubic = font.getGlyphSet()
glyphs = {}
for name in order:
    pen = TTGlyphPen(cubic)
    cubic[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyphs[name] = pen.glyph()
font["loca"] = newTable("loca")
font["glyf"] = glyf = newTable("glyf")
glyf.glyphOrder = order
glyf.glyphs = glyphs
del font["CFF "]
if "VORG" in font:
    del font["VORG"]
glyf.compile(font)
hmtx = font["hmtx"]
for name, glyph in glyphs.items():
    advance, _ = hmtx.metrics[name]
    hmtx.metrics[name] = (advance, getattr(glyph, "xMin", 0))
maxp = font["maxp"] = newTable("maxp")
maxp.tableVersion = 0x00010000
maxp.numGlyphs = len(order)
maxp.maxZones = 1
for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs",
              "maxInstructionDefs", "maxStackElements",
              "maxSizeOfInstructions", "maxComponentElements",
              "maxComponentDepth"):
    setattr(maxp, field, 0)
font["head"].indexToLocFormat = 0
font["head"].glyphDataFormat = 0
font["post"].formatType = 3.0
font.sfntVersion = "\0\1\0\0"
font.save(sys.argv[2])
EOF
cp "$fandol_doc/README" "$out/Fandol-README.txt"
gzip -dc "$fandol_doc/COPYING.gz" >"$out/Fandol-COPYING.txt"
{
    echo "Licence information for the Fandol fonts as shipped in the Debian package"
    echo "$DEB_PACKAGE $DEB_VERSION (excerpts, verbatim)."
    echo
    echo "--- usr/share/doc/$DEB_PACKAGE/Licenses.gz (entry for fandol) ---"
    echo
    gzip -dc "$deb_doc/Licenses.gz" | sed -n '/^fandol:/,/^[^t]/p' | sed '$d'
    echo
    echo "--- usr/share/doc/$DEB_PACKAGE/copyright (how to read that entry) ---"
    echo
    sed -n '/^In the case of gpl and lppl/,/^therein)\.$/p' "$deb_doc/copyright"
    echo
    sed -n '/^A\. gpl /,/^B\. lppl /p' "$deb_doc/copyright" | sed '$d'
    echo "--- end of excerpts; the GPL version 3 text is in Fandol-COPYING.txt ---"
} >"$out/Fandol-Debian-license.txt"

echo "== install into fonts/ and verify"
cp "$out"/* "$fonts_dir/"
cd "$fonts_dir"
sha256sum -c SHA256SUMS
