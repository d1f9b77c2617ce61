#!/usr/bin/env bash
# Regenerates the scoring harness's reports in eval/scoring/. One command, from the repository root:
#     bash eval/scoring/run.sh
# Needs the shared data (../shared/data, or ALIGNER_DATA=...): the offline sacreBLEU cache and the LIG corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${ALIGNER_DATA:-../shared/data}
export SACREBLEU=$DATA/sacrebleu-cache
LIG=$DATA/lig-postedit-fren
OUT=eval/scoring
ART=eval/artifacts
mkdir -p "$ART"

# 1. Google vs Bing (2015 outputs) against the human post-edits, as sacrebleu --paired-bs / --paired-ar would.
aligner compare --ref "$LIG/tgt-pe-all.en" "$LIG/output_Google_Translator.en" "$LIG/output_Bing_Translator.en" \
    --metrics bleu,chrf,chrf++,ter -o "$OUT/lig-google-vs-bing.json" --report "$OUT/lig-google-vs-bing.md"

# 2. The three systems, Moses included. Moses's output is lower-cased and tokenised: detokenise it with the
#    Moses detokenizer and compare case-insensitively (BLEU/chrF -lc; TER is case-insensitive anyway).
sacremoses -l en -j 1 detokenize < "$LIG/tgt-mt-all.en" > "$ART/lig-moses.detok.en"
aligner compare --lowercase --ref "$LIG/tgt-pe-all.en" "$LIG/output_Google_Translator.en" \
    "$LIG/output_Bing_Translator.en" "$ART/lig-moses.detok.en" \
    --metrics bleu,chrf,ter -o "$OUT/lig-3-systems-lc.json" --report "$OUT/lig-3-systems-lc.md"

# 3. Standard test sets through the model path. Here only the project's tiny model exists (the hub is not
#    reachable), so these check the pipeline, not quality; on a connected machine drop --model to get opus-mt-fr-en.
for t in wmt14 wmt13; do
    aligner eval "$t" -l fr-en --model models/tiny-marian-fr-en --beam 1 --quiet \
        -o "$ART/$t-tiny" --report "$OUT/$t-fr-en-tiny-marian.md"
done
aligner eval wmt14 -l fr-en --origlang fr --model models/tiny-marian-fr-en --beam 1 --quiet \
    --report "$OUT/wmt14-fr-en-origlang-fr-tiny-marian.md"
