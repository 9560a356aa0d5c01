package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// MaxConfigSize is the largest config file read. A real one is a few KiB;
// the limit keeps a planted /dev/zero or a huge file from eating memory.
const MaxConfigSize = 1 << 20

// CheckConfigFile refuses a config file another user could have written,
// the way ssh refuses a loose ~/.ssh/config: it must be a regular file
// (a symlink to one is fine: dotfiles repos link it), owned by this user
// or root, and writable by no one else. Whoever can write it can point
// token_url at their own server and collect the client secret. A missing
// file is not an error here.
func CheckConfigFile(path string) error {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return checkConfigFileInfo(path, fi)
}

// readConfigFile reads the config after CheckConfigFile's checks, made on
// the opened file so that a swap between check and read changes nothing.
// The open does not block: a named pipe is refused instead of hanging.
func readConfigFile(path string) ([]byte, error) {
	if err := CheckConfigFile(path); err != nil {
		return nil, err // refuse devices and pipes before even opening them
	}
	f, err := os.OpenFile(path, os.O_RDONLY|openNoBlock, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	if err := checkConfigFileInfo(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	if len(data) > MaxConfigSize {
		return nil, &ConfigError{File: path, Msg: "larger than 1 MiB, far more than any tokentray config; is --config (or TOKENTRAY_CONFIG) pointing at the right file?"}
	}
	return data, nil
}

func checkConfigFileInfo(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return &ConfigError{File: path, Msg: fmt.Sprintf("%s, not a regular file; the config must be a plain file", FileKind(fi.Mode()))}
	}
	if uid, me, ok := fileOwner(fi); ok && uid != me && uid != 0 {
		return &ConfigError{File: path, Msg: fmt.Sprintf("owned by uid %d, not by you (uid %d), so that user can change it; copy it to a file of your own and run `chmod 600` on it", uid, me)}
	}
	if perm := fi.Mode().Perm(); unixModes && perm&0o022 != 0 {
		return &ConfigError{File: path, Msg: fmt.Sprintf("mode %04o lets other users change it; run `chmod 600 %s`", perm, path)}
	}
	return nil
}

// FileKind names what a path that should be a regular file is instead,
// for messages: "a directory", "a named pipe", ...
func FileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	default:
		return "a special file"
	}
}
