//go:build !unix

package socket

import (
	"log/slog"
	"net"
)

// ListenSystemd: there is no systemd here.
func ListenSystemd(*slog.Logger) (net.Listener, string, bool, error) { return nil, "", false, nil }
