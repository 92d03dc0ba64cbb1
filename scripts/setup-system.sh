#!/usr/bin/env bash
# System packages sfvae uses: espeak-ng and MBROLA voices (corpus), chromium (browser tests);
# sox is not needed.
# MBROLA and its voices live in Debian's contrib/non-free components: add them.
set -euo pipefail

# Voices rendered by `sfvae corpus build`: the same set as MBROLA_VOICES in
# sfvae/corpus/voices.py (49 voices, 17 female, 21 languages).
PACKAGES=(espeak-ng mbrola
  mbrola-af1 mbrola-br1 mbrola-br2 mbrola-br3 mbrola-br4 mbrola-ca1 mbrola-ca2
  mbrola-cr1 mbrola-cz2
  mbrola-de1 mbrola-de2 mbrola-de3 mbrola-de4 mbrola-de5 mbrola-de6 mbrola-de7 mbrola-de8
  mbrola-ee1 mbrola-en1
  mbrola-fr1 mbrola-fr2 mbrola-fr3 mbrola-fr4 mbrola-fr5 mbrola-fr6 mbrola-fr7
  mbrola-gr1 mbrola-gr2 mbrola-hu1 mbrola-ic1 mbrola-id1 mbrola-it3 mbrola-it4 mbrola-la1
  mbrola-lt1 mbrola-lt2 mbrola-ma1 mbrola-nl2 mbrola-nl3 mbrola-pl1 mbrola-pt1 mbrola-ro1
  mbrola-sw1 mbrola-sw2 mbrola-tr1 mbrola-tr2 mbrola-us1 mbrola-us2 mbrola-us3
)
# Headless browser of the `sfvae serve` browser tests (tests/test_serve.py; playwright
# drives it, and never downloads a browser of its own).
PACKAGES+=(chromium)

# One dpkg-query for all packages: fast when everything is installed.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null \
  | awk '$NF == "installed" {print $1}' || true)
missing=()
for p in "${PACKAGES[@]}"; do
  grep -qx "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

src=/etc/apt/sources.list.d/debian.sources
if [ -f "$src" ] && ! grep -q "non-free" "$src"; then
  $SUDO sed -i 's/^Components: main$/Components: main contrib non-free/' "$src"
elif [ -f /etc/apt/sources.list ] && ! grep -q "contrib" /etc/apt/sources.list; then
  $SUDO sed -i -E 's/^(deb .* main)$/\1 contrib non-free/' /etc/apt/sources.list
fi
$SUDO apt-get update -qq
# Install what exists: a voice missing from the archive is skipped, not fatal.
available=()
for p in "${missing[@]}"; do
  apt-cache show "$p" >/dev/null 2>&1 && available+=("$p") || echo "setup: package $p not in the archive, skipped" >&2
done
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${available[@]}"
