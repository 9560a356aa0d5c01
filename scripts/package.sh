#!/usr/bin/env bash
# package.sh: the Linux desktop archive, dist/tokentray.tar.xz. `fyne
# package` (FyneApp.toml: name, icon, .desktop entry) wraps the prebuilt
# $BINDIR/tokentray (bin/ unless set), so no Fyne is linked into it;
# tokentray-window is then put beside it in usr/local/bin, and the
# archive's Makefile installs and removes both. Run `make build` first
# (`make package` does, with the same BINDIR).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
FYNE=${FYNE:-go run fyne.io/tools/cmd/fyne@v1.7.4}
BINDIR=${BINDIR:-bin}

for exe in "$BINDIR/tokentray" "$BINDIR/tokentray-window"; do
	[ -x "$exe" ] || { echo "package: $exe is missing; run make build" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp FyneApp.toml "$work/FyneApp.toml.keep" # fyne package bumps Build; keep ours

$FYNE package -os linux -release --executable "$BINDIR/tokentray"
mv tokentray.tar.xz "$work/"
cp "$work/FyneApp.toml.keep" FyneApp.toml

tar -C "$work" -xJf "$work/tokentray.tar.xz"
root="$work/tokentray"
bindir=$(dirname "$(find "$root/usr" -path '*/bin/tokentray')")
install -m 0755 "$BINDIR/tokentray-window" "$bindir/tokentray-window"
# Every install and rm line of the host gets its twin for the window.
sed -i '/^\t\(install\|-rm\).*bin\/\$(Exec)/{p;s/\$(Exec)/tokentray-window/g}' "$root/Makefile"

mkdir -p dist
tar -C "$work" -cJf dist/tokentray.tar.xz tokentray
echo "package: dist/tokentray.tar.xz"
tar -tJf dist/tokentray.tar.xz | grep '/bin/'
