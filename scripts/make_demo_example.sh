#!/usr/bin/env bash
# Regenerate sfvae/data/demo_speech.wav, the speech example `sfvae demo` edits.
# Made by the project itself: espeak-ng driving an MBROLA voice, then sfvae's front end
# (16 kHz mono, peak 0.9). Needs the system packages of scripts/setup-system.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
VOICE=${VOICE:-mb-us1}
TEXT="We were away a year ago, when the rainbow appeared over the lake."
tmp=$(mktemp --suffix=.wav)
espeak-ng -v "$VOICE" -s 140 -p 45 -w "$tmp" "$TEXT"
.venv/bin/python -m sfvae audio convert "$tmp" -o sfvae/data/demo_speech.wav --normalize
rm -f "$tmp"
echo "wrote sfvae/data/demo_speech.wav ($VOICE): $TEXT"
