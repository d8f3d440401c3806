#!/bin/sh
# subset.sh regenerates NotoSansCJKsc-subset.otf: Noto Sans CJK SC cut down
# to the characters the playground draws (every non-ASCII character in the
# Go sources of the renderer and the caption catalogue and in the shipped
# lessons, plus printable ASCII), so that the font is small enough to embed in the wasm bundle; and
# NotoSansMonoCJKsc-subset.otf, its monospaced face cut to ASCII.
#
# Run it by hand after changing captions or UI text, then commit the .otf
# and runes.txt it writes. Tests and CI never run it (they check instead
# that runes.txt covers every character in use).
#
# Needs: Debian fonts-noto-cjk and python3-fonttools (pyftsubset).
set -eu
cd "$(dirname "$0")"
root=../..
src=${NOTO_CJK:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
index=2 # face 2 of the collection is "Noto Sans CJK SC"

if command -v pyftsubset >/dev/null 2>&1; then
	subset="pyftsubset"
else
	subset="/usr/bin/python3 -m fontTools.subset"
fi

# The sources that hold UI text and captions (tests excluded: their strings
# are not drawn).
# The shipped lessons' texts are drawn too (the playground's lesson panel).
files=$( (find "$root/sim/view" "$root/sim/caption" -name '*.go' ! -name '*_test.go'; echo "$root/cmd/native/live.go" "$root/cmd/wasm/live.go"; find "$root/sim/lesson/lessons" -name '*.json') 2>/dev/null | sort)

/usr/bin/python3 - "$files" >runes.txt <<'PY'
import sys
chars = {chr(c) for c in range(0x20, 0x7f)}
for path in sys.argv[1].split():
    with open(path, encoding="utf-8") as f:
        chars.update(ch for ch in f.read() if ord(ch) > 0x7f)
# Private-use and control characters never reach the screen.
chars = sorted(c for c in chars if ord(c) >= 0x20 and not 0xe000 <= ord(c) <= 0xf8ff)
sys.stdout.write("".join(chars) + "\n")
PY

# Of the layout features only 'locl' and 'kern' are kept: the renderer
# shapes nothing; it reads the Latin localised forms from 'locl'
# (sim/view/glyphs.go, latinForms) and kerns pairs through sfnt's GPOS
# 'kern'. Every feature ('*') also kept the alternates that features like
# 'aalt', 'fwid' or 'jp78' reach: 23 kB of brotli in the wasm bundle for
# glyphs never drawn.
$subset "$src" --font-number=$index --text-file=runes.txt \
	--output-file=NotoSansCJKsc-subset.otf \
	--layout-features='locl,kern' --name-IDs='*' --name-legacy --name-languages='*' \
	--no-hinting --desubroutinize
# The monospaced face of the same family (face 7: "Noto Sans Mono CJK SC"),
# cut to printable ASCII: hex dumps and columns of numbers.
/usr/bin/python3 -c 'import sys; sys.stdout.write("".join(chr(c) for c in range(0x20, 0x7f)) + "\n")' >mono-runes.txt
$subset "$src" --font-number=7 --text-file=mono-runes.txt \
	--output-file=NotoSansMonoCJKsc-subset.otf \
	--layout-features='' --name-IDs='*' --name-legacy --name-languages='*' \
	--no-hinting --desubroutinize
rm mono-runes.txt
ls -l NotoSansCJKsc-subset.otf NotoSansMonoCJKsc-subset.otf runes.txt
