#!/usr/bin/env bash
# Regenerates the alignment evaluations in eval/alignment/. One command, from the repository root:
#     bash eval/alignment/run.sh            (about 2 minutes; tune.py is separate and slower)
# Needs ../shared/data (or ALIGNER_DATA=...): the TransRead gold set and the WMT newstest text.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ALIGNER_DATA:-../shared/data}
GOLD=$DATA/transread-sentalign-fren
TUNED=AlicesAdventuresInWonderland,Candide,DuCoteDeChezSwann
OUT=eval/alignment

aligner eval-align "$GOLD" --tuned-on "$TUNED" --report "$OUT/transread.md"
aligner eval-align "$GOLD" --tuned-on "$TUNED" --no-paragraphs --report "$OUT/transread-no-paragraph-anchors.md"
aligner eval-align "$GOLD" --method length --report "$OUT/transread-gale-church.md"
python eval/alignment/bench_20k.py --data "$DATA" > "$OUT/bench_20k.md"
