package socket

import (
	"path/filepath"
	"strings"
)

// How every view (`tokentray reads`, the window's Reads dialog) names the
// parts of a read log entry.

// ReadVia says how a read left: the window's copy, the tray, the proxy,
// or the tokentray command that was run, named by its file name as
// ShortCmdline names programs (its argv[0] may be a full path, which
// would push the command out of view).
func ReadVia(rd Read) string {
	through := rd.Through
	if program, args, ok := strings.Cut(rd.Through, " "); ok && filepath.Base(program) == "tokentray" {
		through = "tokentray " + args
	}
	switch {
	case rd.Via == "proxy" && through != "": // `tokentray proxy`, not the host's own
		return "proxy: " + through
	case rd.Via != "":
		return rd.Via
	}
	return through
}

// ShortCmdline names the program by its file name when the command line
// starts with the executable's full path, which views show apart.
func ShortCmdline(exe, cmdline string) string {
	if exe != "" && strings.HasPrefix(cmdline, exe) &&
		(len(cmdline) == len(exe) || cmdline[len(exe)] == ' ') {
		return filepath.Base(exe) + cmdline[len(exe):]
	}
	return cmdline
}
