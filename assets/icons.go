// Package assets holds the files bundled into the binary: the app icons
// (drawn by icons_gen.go; `go run assets/icons_gen.go` redraws them).
// It imports nothing, so every package may use it.
package assets

import _ "embed"

// IconPNG is the app icon (256×256): window, tray and the packaged .desktop file.
//
//go:embed icon.png
var IconPNG []byte

// IconAttentionPNG is the tray icon while an environment needs the user
// (needs login, error, expired): the app icon with an amber badge.
//
//go:embed icon_attention.png
var IconAttentionPNG []byte
