#!/usr/bin/env bash
# dist.sh: the Debian package, $DISTDIR/tokentray_<version>_amd64.deb, from
# the executables `make build` put in $BINDIR, with nfpm (pinned in go.mod
# as a tool; packaging/nfpm.yaml says what goes where). `make dist` runs it
# with the Makefile's VERSION (git describe), BINDIR and DISTDIR.
# `scripts/dist.sh --deb-version VERSION` only prints the Debian version.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# deb_version makes git describe's VERSION a Debian version, which must
# start with a digit and sort in release order:
#   v1.2.0 -> 1.2.0     v1.2.0-rc1 -> 1.2.0~rc1 (before 1.2.0)
#   v1.2.0-5-gabc1234-dirty -> 1.2.0+5.gabc1234.dirty (after 1.2.0)
#   no tag: 341ce4c-dirty -> 0.0.0+341ce4c.dirty, dev -> 0.0.0+dev
deb_version() {
	local v=${1#v} extra=
	if [[ ! $v =~ ^[0-9]+\.[0-9]+ ]]; then
		echo "0.0.0+${v//-/.}"
		return
	fi
	if [[ $v == *-dirty ]]; then
		v=${v%-dirty} extra=.dirty
	fi
	if [[ $v =~ ^(.+)-([0-9]+)-g([0-9a-f]+)$ ]]; then
		v=${BASH_REMATCH[1]} extra="+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}$extra"
	elif [ -n "$extra" ]; then
		extra=+dirty
	fi
	echo "${v//-/\~}$extra"
}

if [ "${1-}" = --deb-version ]; then
	deb_version "$2"
	exit
fi

: "${VERSION:?VERSION is git describe; run make dist}"
export BINDIR=${BINDIR:-bin}
DISTDIR=${DISTDIR:-dist}
for exe in "$BINDIR/tokentray" "$BINDIR/tokentray-window"; do
	[ -x "$exe" ] || { echo "dist: $exe is missing; run make build" >&2; exit 1; }
done

export DEB_VERSION
DEB_VERSION=$(deb_version "$VERSION")
# The files in the package carry the commit's time, not the build's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export SOURCE_DATE_EPOCH

deb="$DISTDIR/tokentray_${DEB_VERSION}_amd64.deb"
mkdir -p "$DISTDIR"
# Only this build's .deb, so that `apt install ./dist/tokentray_*.deb` is one.
rm -f "$DISTDIR"/tokentray_*_amd64.deb
"${GO:-go}" tool nfpm package --packager deb --config packaging/nfpm.yaml --target "$deb"
echo "dist: $deb ($(du -h "$deb" | cut -f1))"
