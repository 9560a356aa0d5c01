// Package e2e tests the built binary end to end in a private Linux desktop
// session (scripts/testenv.sh): Secret Service, Xvfb, /proc, SO_PEERCRED.
// Its files are Linux only; macOS and Windows are only cross-compiled.
package e2e
