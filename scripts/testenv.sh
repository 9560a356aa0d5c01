#!/usr/bin/env bash
# testenv.sh CMD [ARG...] runs CMD inside a private desktop session, so
# tests use real parts without touching the user's own ones:
#
#   - a fresh temporary HOME, XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_CACHE_HOME,
#     XDG_STATE_HOME and XDG_RUNTIME_DIR (0700)
#   - a private D-Bus session bus (dbus-run-session)
#   - gnome-keyring's Secret Service on that bus, unlocked with a test password
#   - Xvfb on a free display, with DISPLAY exported
#   - xfce4-panel as the StatusNotifierWatcher tray host; TOKENTRAY_TEST_TRAY=1
#     is exported when it came up
#
# Everything it starts is stopped when CMD ends, and CMD's exit code is
# passed through. The Go build and module caches of the caller are kept,
# so a fresh HOME does not mean a fresh build.
set -euo pipefail

if [ $# -eq 0 ]; then
	echo "usage: scripts/testenv.sh CMD [ARG...]" >&2
	exit 2
fi

self=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")

log() { echo "testenv: $*" >&2; }

# ---------------------------------------------------------------------------
# Outer stage: private directories, then a private session bus around the
# inner stage. The directories are set before the bus starts so that services
# the bus activates (xfconfd, gnome-keyring) see them too.
if [ "${1-}" != "--inner" ]; then
	if command -v go >/dev/null; then
		# Keep the caller's Go caches: they live under the real HOME.
		GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE)
		GOPATH=$(go env GOPATH) GOENV=$(go env GOENV)
		export GOCACHE GOMODCACHE GOPATH GOENV
	fi

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/tokentray-testenv.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	chmod 700 "$tmp"
	mkdir -m 700 "$tmp/home" "$tmp/run"

	export HOME="$tmp/home"
	export XDG_RUNTIME_DIR="$tmp/run"
	export XDG_CONFIG_HOME="$HOME/.config"
	export XDG_DATA_HOME="$HOME/.local/share"
	export XDG_CACHE_HOME="$HOME/.cache"
	export XDG_STATE_HOME="$HOME/.local/state"
	export TOKENTRAY_TESTENV_DIR="$tmp"
	# No accessibility bus: it would be one more daemon to start and stop.
	export NO_AT_BRIDGE=1
	mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME"
	unset DBUS_SESSION_BUS_ADDRESS DISPLAY WAYLAND_DISPLAY XAUTHORITY \
		GNOME_KEYRING_CONTROL SSH_AUTH_SOCK TOKENTRAY_CONFIG TOKENTRAY_SOCKET \
		TOKENTRAY_TEST_TRAY BROWSER

	# The bus daemon and the services it activates log to stderr; that goes
	# to a file, and the inner stage gets the real stderr back on fd 4.
	set +e
	dbus-run-session -- bash "$self" --inner "$@" 4>&2 2>"$tmp/dbus.log"
	rc=$?
	set -e
	exit $rc
fi
shift # --inner
exec 2>&4 4>&-

# ---------------------------------------------------------------------------
# Inner stage: runs on the private bus.
pids=()

bus_call() { # METHOD [NAME]: call the bus daemon itself
	dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus \
		/org/freedesktop/DBus "org.freedesktop.DBus.$1" ${2:+"string:$2"} 2>/dev/null
}

bus_pid() { # NAME: pid of the process that owns NAME
	bus_call GetConnectionUnixProcessID "$1" | sed -n 's/.*uint32 \([0-9]*\).*/\1/p'
}

bus_has() { # NAME: is NAME owned on the bus?
	bus_call NameHasOwner "$1" | grep -q 'boolean true'
}

# bus_peer_pids prints the pid of every process connected to the private bus,
# except the bus daemon: all of them were started in this session (gnome-keyring
# and xfconfd daemonize or are bus-activated, so $! does not catch them).
bus_peer_pids() {
	local daemon names name pid
	daemon=$(bus_pid org.freedesktop.DBus)
	names=$(bus_call ListNames | grep -o ':[0-9.]*')
	for name in $names; do
		pid=$(bus_pid "$name")
		if [ -n "$pid" ] && [ "$pid" != "$daemon" ] && [ "$pid" != "$$" ]; then
			echo "$pid"
		fi
	done | sort -u
}

# stop PID...: TERM, wait up to 2s, then KILL.
stop() {
	local pid
	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for _ in $(seq 20); do
		local alive=
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done
		[ -z "$alive" ] && return 0
		sleep 0.1
	done
	for pid in "$@"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# Clients first, the X server last, so nothing complains that X went away.
cleanup() {
	local peers
	peers=$(bus_peer_pids | grep -vx "${xvfb:-none}" || true)
	# shellcheck disable=SC2086
	stop $peers "${pids[@]}"
	stop ${xvfb:+"$xvfb"}
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# Keyring: a fresh HOME has no keyring; --unlock creates the login keyring
# with this password and leaves it unlocked, so nothing ever prompts.
eval "$(printf '%s' "tokentray-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
for _ in $(seq 50); do
	bus_has org.freedesktop.secrets && break
	sleep 0.1
done
bus_has org.freedesktop.secrets || log "warning: gnome-keyring did not appear on the bus"

# Xvfb picks a free display itself and writes its number to -displayfd once
# it accepts connections.
dfile="$TOKENTRAY_TESTENV_DIR/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$dfile" 2>"$TOKENTRAY_TESTENV_DIR/xvfb.log" &
xvfb=$!
for _ in $(seq 100); do
	[ -s "$dfile" ] && break
	kill -0 "$xvfb" 2>/dev/null || break
	sleep 0.1
done
if [ ! -s "$dfile" ]; then
	log "Xvfb did not start:"
	cat "$TOKENTRAY_TESTENV_DIR/xvfb.log" >&2
	exit 1
fi
export DISPLAY=":$(tr -dc '0-9' <"$dfile")"
dbus-update-activation-environment DISPLAY >/dev/null 2>&1 || true

# Tray host: one panel holding only the notification area. Writing its
# config up front skips the panel's first-start dialog.
chan="$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
mkdir -p "$chan"
cat >"$chan/xfce4-panel.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0">
  <property name="configver" type="int" value="2"/>
  <property name="panels" type="array">
    <value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="length" type="uint" value="100"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="size" type="uint" value="32"/>
      <property name="plugin-ids" type="array">
        <value type="int" value="1"/>
      </property>
    </property>
  </property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="systray"/>
  </property>
</channel>
XML
xfce4-panel --disable-wm-check >"$TOKENTRAY_TESTENV_DIR/panel.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	bus_has org.kde.StatusNotifierWatcher && break
	sleep 0.1
done
if bus_has org.kde.StatusNotifierWatcher; then
	export TOKENTRAY_TEST_TRAY=1
else
	log "warning: no StatusNotifierWatcher (xfce4-panel did not come up); tray tests will skip"
	sed 's/^/testenv: panel: /' "$TOKENTRAY_TESTENV_DIR/panel.log" >&2 || true
fi

set +e
"$@"
rc=$?
set -e
exit $rc
