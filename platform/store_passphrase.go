package platform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tokentray/tokentray/config"
)

// ErrNoPassphrase: no store passphrase is configured or passed in; the
// engine stays locked until one is supplied (`tokentray unlock`).
var ErrNoPassphrase = errors.New("no store passphrase: no store_passphrase_file is configured and there is no systemd credential " + storeCredential)

// storeCredential is the name of the systemd credential
// (LoadCredential=/SetCredentialEncrypted=) holding the store passphrase.
const storeCredential = "tokentray-store"

// maxPassphraseFile bounds the passphrase file read: a passphrase is a
// line, not a file's worth.
const maxPassphraseFile = 64 << 10

// StorePassphrase returns the file vault's passphrase and where it came
// from: passphraseFile when set (a regular file, owned by the user and
// mode 0600 or stricter; a symlink to one is fine); else systemd's
// $CREDENTIALS_DIRECTORY/tokentray-store when the variable is set and the
// file exists; else ErrNoPassphrase. One trailing newline ("\n" or
// "\r\n") is stripped; an empty passphrase is an error.
func StorePassphrase(passphraseFile string) (pass []byte, source string, err error) {
	if passphraseFile != "" {
		pass, err := readPassphraseFile(passphraseFile, true)
		if err != nil {
			return nil, "", err
		}
		return pass, "file " + passphraseFile, nil
	}
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		path := filepath.Join(dir, storeCredential)
		if _, err := os.Stat(path); err == nil {
			// systemd makes the credential readable by the service alone;
			// its owner and mode are systemd's to choose.
			pass, err := readPassphraseFile(path, false)
			if err != nil {
				return nil, "", err
			}
			return pass, "systemd credential " + storeCredential, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", fmt.Errorf("store passphrase: systemd credential %s: %w", storeCredential, err)
		}
	}
	return nil, "", ErrNoPassphrase
}

// readPassphraseFile reads a passphrase from path, checking (when private)
// that only the user can read it, both before opening it (so a pipe is never
// opened) and on the opened file.
func readPassphraseFile(path string, private bool) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("store passphrase file: %w", err)
	}
	if err := checkPassphraseFile(path, fi, private); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|vaultNonBlock, 0)
	if err != nil {
		return nil, fmt.Errorf("store passphrase file: %w", err)
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("store passphrase file %s: %w", path, err)
	}
	if err := checkPassphraseFile(path, opened, private); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPassphraseFile+1))
	if err != nil {
		return nil, fmt.Errorf("store passphrase file %s: %w", path, err)
	}
	if len(data) > maxPassphraseFile {
		clear(data)
		return nil, fmt.Errorf("store passphrase file %s is larger than %d KiB; is it the right file?", path, maxPassphraseFile>>10)
	}
	pass := data
	if bytes.HasSuffix(pass, []byte("\r\n")) {
		pass = pass[:len(pass)-2]
	} else if bytes.HasSuffix(pass, []byte("\n")) {
		pass = pass[:len(pass)-1]
	}
	if len(pass) == 0 {
		return nil, fmt.Errorf("store passphrase file %s is empty; put the passphrase in it", path)
	}
	out := bytes.Clone(pass)
	clear(data)
	return out, nil
}

func checkPassphraseFile(path string, fi fs.FileInfo, private bool) error {
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("store passphrase file %s is %s, not a regular file; put the passphrase in a plain file", path, config.FileKind(fi.Mode()))
	}
	if !private {
		return nil
	}
	if uid, me, ok := vaultOwner(fi); ok && uid != me {
		return fmt.Errorf("store passphrase file %s is owned by uid %d, not by you (uid %d); copy it to a file of your own and run `chmod 600` on it", path, uid, me)
	}
	if perm := fi.Mode().Perm(); vaultUnixModes && perm&0o077 != 0 {
		return fmt.Errorf("store passphrase file %s has mode %04o, open to %s; run `chmod 600 %s`", path, perm, permWho(perm), path)
	}
	return nil
}
