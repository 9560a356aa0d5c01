//go:build !unix

package ui

import "io"

// openGuardChannel: only Unix windows get the host's channel (a Windows
// child cannot inherit it); the notification asks alone.
func openGuardChannel() (io.ReadWriteCloser, bool) { return nil, false }
