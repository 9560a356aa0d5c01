#!/usr/bin/env bash
# deps.sh installs the Debian packages tokentray needs for one job:
#   build  the Fyne (cgo/OpenGL/X11) build headers: `make build`, `make run`
#   test   build, plus the private desktop session that scripts/testenv.sh
#          starts and the tools the tests look at the screen with (default)
#   cross  build, plus mingw-w64 for the Windows desktop app (`make cross`)
# It installs only what is missing and runs `apt-get update` at most once,
# so a machine that already has everything is left alone (and needs no
# network).
set -euo pipefail

build=(
	make
	# building Fyne: cgo, OpenGL and X11 headers
	gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
	libxinerama-dev libxi-dev libxxf86vm-dev
)

case "${1:-test}" in
build)
	packages=("${build[@]}")
	;;
test)
	packages=(
		"${build[@]}"
		# the private session of scripts/testenv.sh
		xvfb xfce4-panel gnome-keyring dbus-x11 libsecret-tools procps
		# tools tests use to look at the screen, clipboard and notifications
		xclip imagemagick xdotool x11-utils libnotify-bin
		# a real notification server on the test display (D-Bus activated):
		# the host's notifications and the guard's question are shown
		xfce4-notifyd
		# the tray's shield (🛡) for guarded environments, as desktops ship it
		fonts-noto-color-emoji
		# the library cobra's bash completion script builds on (e2e presses TAB)
		bash-completion
		# e2e/package_test.go checks the .deb's desktop entry (dpkg-deb,
		# which unpacks the .deb, comes with dpkg)
		desktop-file-utils
	)
	;;
cross)
	packages=("${build[@]}" gcc-mingw-w64-x86-64)
	;;
*)
	echo "usage: scripts/deps.sh [build|test|cross] (default: test)" >&2
	exit 2
	;;
esac

missing=()
for p in "${packages[@]}"; do
	# dpkg -s also succeeds for removed packages whose config is left, so
	# ask for the exact status.
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
	command -v sudo >/dev/null || {
		echo "deps.sh: missing packages: ${missing[*]}; run as root or install them with apt-get" >&2
		exit 1
	}
else
	sudo=
fi

echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq "${missing[@]}"
