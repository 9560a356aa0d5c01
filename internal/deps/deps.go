// Package deps pins the modules the project builds on while the packages
// that import them are written. Remove once every import is real.
package deps

import (
	_ "fyne.io/fyne/v2/app"
	_ "fyne.io/fyne/v2/driver/desktop"
	_ "fyne.io/fyne/v2/test"
	_ "fyne.io/fyne/v2/widget"
	_ "github.com/adrg/xdg"
	_ "github.com/go-oauth2/oauth2/v4/manage"
	_ "github.com/go-oauth2/oauth2/v4/server"
	_ "github.com/go-oauth2/oauth2/v4/store"
	_ "github.com/godbus/dbus/v5"
	_ "github.com/pelletier/go-toml/v2"
	_ "github.com/pelletier/go-toml/v2/unstable"
	_ "github.com/skip2/go-qrcode"
	_ "github.com/zalando/go-keyring"
	_ "github.com/zitadel/oidc/v3/example/server/exampleop"
	_ "github.com/zitadel/oidc/v3/example/server/storage"
	_ "github.com/zitadel/oidc/v3/pkg/op"
	_ "golang.org/x/oauth2"
	_ "golang.org/x/sync/singleflight"
)
