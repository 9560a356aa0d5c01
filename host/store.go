package host

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/tokentray/tokentray/config"
	"github.com/tokentray/tokentray/manager"
	"github.com/tokentray/tokentray/platform"
	"github.com/tokentray/tokentray/platform/socket/server"
)

// Kinds of store, as the status says them: the two the settings name,
// and memory when the keychain does not answer.
const (
	storeKeychain = config.StoreKeychain
	storeFile     = config.StoreFile
	storeMemory   = "memory"
)

// openedStore is the store the settings name, as opened at start: the
// engine's options for it, and what Unlock needs when it is locked.
type openedStore struct {
	opts manager.Options // Store, StoreKind, StoreProblem, Locked
	path string          // the file store's path
}

// openStore opens the store [settings] names: the keychain (when it does
// not answer: memory, and the problem says how to keep tokens anyway), or
// the encrypted file with its passphrase from store_passphrase_file or
// systemd's credential; without one the engine starts locked until
// `tokentray unlock`. A wrong passphrase or a file that does not decrypt
// is an error (the daemon exits 2), and the file is left as it is.
func openStore(s config.Settings, log *slog.Logger) (openedStore, error) {
	if s.Store != config.StoreFile {
		k, problem := platform.OpenKeychain()
		if problem != "" {
			problem += `: tokens are kept in memory only; set store = "file" in [settings] to keep them in an encrypted file`
			log.Warn("no keychain; tokens are kept in memory only", "problem", problem)
			return openedStore{opts: manager.Options{Store: manager.NewMemoryStore(), StoreKind: storeMemory, StoreProblem: problem}}, nil
		}
		return openedStore{opts: manager.Options{Store: manager.NewVaultStore(k), StoreKind: storeKeychain}}, nil
	}
	path := platform.DefaultStorePath()
	pass, source, err := platform.StorePassphrase(s.StorePassphraseFile)
	if errors.Is(err, platform.ErrNoPassphrase) {
		log.Info("the file store is locked until `tokentray unlock`", "path", path)
		return openedStore{opts: manager.Options{StoreKind: storeFile, Locked: true}, path: path}, nil
	}
	if err != nil {
		return openedStore{}, err
	}
	v, err := platform.OpenFileVault(path, pass, platform.FileVaultOptions{})
	if err != nil {
		return openedStore{}, fmt.Errorf("the file store, with the passphrase of %s: %w", source, err)
	}
	log.Info("secrets and tokens are kept in the file store", "path", path, "passphrase", source)
	return openedStore{opts: manager.Options{Store: manager.NewVaultStore(v), StoreKind: storeFile}, path: path}, nil
}

// unlocker opens the locked file store at path with a passphrase and
// gives it to m (POST /v1/unlock).
func unlocker(m *manager.Manager, path string, log *slog.Logger) func(passphrase []byte) error {
	return func(passphrase []byte) error {
		if !m.Locked() {
			return server.ErrNotLocked
		}
		v, err := platform.OpenFileVault(path, passphrase, platform.FileVaultOptions{})
		if errors.Is(err, platform.ErrWrongPassphrase) {
			return fmt.Errorf("%w: %v", server.ErrWrongPassphrase, err)
		}
		if err != nil {
			return err
		}
		if err := m.Unlock(manager.NewVaultStore(v), storeFile); err != nil {
			return server.ErrNotLocked
		}
		log.Info("the file store is unlocked", "path", path)
		return nil
	}
}
