package platform

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"filippo.io/age"
	"filippo.io/age/armor"
	"github.com/tokentray/tokentray/config"
)

// The file vault keeps the store's items (tokens, client secrets, private
// keys) in one age-encrypted file, for machines without a Secret Service.
//
// Unlocking costs one scrypt, saving none. age's scrypt recipient takes about
// a second per encryption at its default work factor, and the engine saves
// after every token refresh, so the file works the way age's own
// passphrase-protected identity files do: the passphrase protects a random
// X25519 key, generated when the vault is created, and the items are
// encrypted to that key's recipient. Opening runs scrypt once to recover the
// key; every Save is an X25519 encryption.
//
// One file, two parts. The file is two age files in ASCII armor, one after
// the other:
//
//	-----BEGIN AGE ENCRYPTED FILE-----   the key: age, scrypt passphrase
//	...                                  → "AGE-SECRET-KEY-1..." (age's
//	-----END AGE ENCRYPTED FILE-----       identity-file text)
//	-----BEGIN AGE ENCRYPTED FILE-----   the items: age, to that key
//	...                                  → {"format":"tokentray-store",
//	-----END AGE ENCRYPTED FILE-----       "version":1,"items":{name: base64}}
//
// One file rather than store.age plus store.key.age: a save replaces the
// whole thing with one rename, so the key and the items can never be out of
// step (a crash, a half-copied backup, a key file deleted or restored on its
// own would otherwise leave items no passphrase opens), and there is one
// file to back up, move and name in messages. The cost is that the stock age
// tool needs the two parts split first; each part is a plain age file:
//
//	sed -n '1,/^-----END AGE ENCRYPTED FILE-----/p' store.age > key.age
//	sed '1,/^-----END AGE ENCRYPTED FILE-----/d' store.age > items.age
//	age -d -i key.age items.age   # asks for the passphrase; prints the JSON
//
// The key part is made when OpenFileVault finds no file (that is when the
// one scrypt of a new vault runs), first written by the first Save, and
// copied verbatim into every later save; the passphrase is not kept after
// OpenFileVault returns, nor is the X25519 private key (saving needs only
// the public recipient). The decrypted items live only in memory.

// MaxVaultItemSize is the largest value one item may hold.
const MaxVaultItemSize = 1 << 20

// MaxVaultFileSize is the largest vault file read or written.
const MaxVaultFileSize = 64 << 20

// maxVaultItemName bounds an item's name in bytes.
const maxVaultItemName = 1024

// DefaultScryptWorkFactor is the scrypt work factor (log2 N) of a new
// vault's passphrase when FileVaultOptions leaves it zero: age's own
// default, about a second on a current machine.
const DefaultScryptWorkFactor = 18

// maxScryptWorkFactor is the largest work factor an existing vault may ask
// for when it is opened (age's default limit, about 15 s): a larger one is
// refused rather than run.
const maxScryptWorkFactor = 22

const (
	vaultFormat  = "tokentray-store"
	vaultVersion = 1
)

// ErrWrongPassphrase is the error (wrapped, naming the file) of an
// OpenFileVault whose passphrase does not open the vault's key.
var ErrWrongPassphrase = errors.New("wrong passphrase")

// ErrUnreadableVault is the error (wrapped, naming the file and what is
// wrong) of an OpenFileVault on a file that is not a vault this version can
// read: empty, cut short, damaged, not an age file, or from a newer version.
var ErrUnreadableVault = errors.New("not a tokentray store this version can read")

// FileVaultOptions tunes a FileVault.
type FileVaultOptions struct {
	// ScryptWorkFactor is the scrypt work factor (log2 N, 1 to 30) a new
	// vault's passphrase is stored with; 0 means DefaultScryptWorkFactor.
	// Tests lower it. An existing vault keeps the factor it was made with.
	ScryptWorkFactor int
}

// workFactor is the scrypt work factor a new vault is made with.
func (o FileVaultOptions) workFactor() (int, error) {
	if o.ScryptWorkFactor == 0 {
		return DefaultScryptWorkFactor, nil
	}
	if o.ScryptWorkFactor < 1 || o.ScryptWorkFactor > 30 {
		return 0, fmt.Errorf("scrypt work factor %d is out of range (1 to 30)", o.ScryptWorkFactor)
	}
	return o.ScryptWorkFactor, nil
}

// FileVault keeps named items in one encrypted file. It is safe for use by
// many goroutines.
type FileVault struct {
	path string // absolute
	dir  string

	// keyBlock is the file's first part, written verbatim by every save.
	keyBlock  []byte
	recipient *age.X25519Recipient

	writeMu sync.Mutex // serializes Save and Delete; held over the write
	onDisk  bool       // guarded by writeMu: the file existed when last read or written
	digest  [32]byte   // guarded by writeMu: SHA-256 of the file as last read or written

	mu    sync.RWMutex
	items map[string][]byte // guarded by mu; replaced, never changed in place

	// failWrite, when set (tests), is called before each step of a write
	// ("create", "rename") and fails the write with its error.
	failWrite func(step string) error
}

// DefaultStorePath is where the file vault lives unless configured
// otherwise: $XDG_STATE_HOME/tokentray/store.age (~/.local/state/... when
// the variable is unset; %LOCALAPPDATA%\tokentray\store.age on Windows).
func DefaultStorePath() string {
	return StatePath("store.age")
}

// OpenFileVault opens the vault at path with passphrase. A file that does
// not exist yet is an empty vault whose passphrase this one becomes; the
// file and its directory are created by the first Save. A passphrase that
// does not open the file is ErrWrongPassphrase; a file that cannot be read
// as a vault is ErrUnreadableVault. Either way the file is left as it is and
// no vault is returned, so nothing can overwrite it.
func OpenFileVault(path string, passphrase []byte, opts FileVaultOptions) (*FileVault, error) {
	if path == "" {
		return nil, errors.New("store: no file path given")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("store %s: the passphrase is empty", abs)
	}
	logN, err := opts.workFactor()
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", abs, err)
	}
	v := &FileVault{path: abs, dir: filepath.Dir(abs), items: map[string][]byte{}}

	if _, err := checkVaultDir(v.dir); err != nil {
		return nil, err
	}
	data, exists, err := readVaultFile(abs)
	if err != nil {
		return nil, err
	}
	if !exists {
		if err := v.create(passphrase, logN); err != nil {
			return nil, err
		}
		return v, nil
	}
	if err := v.unlock(data, passphrase, max(logN, maxScryptWorkFactor)); err != nil {
		return nil, err
	}
	v.onDisk, v.digest = true, sha256.Sum256(data)
	return v, nil
}

// create makes the key of a new vault and wraps it with the passphrase.
func (v *FileVault) create(passphrase []byte, logN int) error {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return fmt.Errorf("store %s: generate a key: %w", v.path, err)
	}
	r, err := age.NewScryptRecipient(string(passphrase))
	if err != nil {
		return fmt.Errorf("store %s: %w", v.path, err)
	}
	r.SetWorkFactor(logN)
	keyText := []byte("# tokentray store key: it decrypts the second part of this file\n" + id.String() + "\n")
	defer clear(keyText)
	block, err := encryptArmored(keyText, r)
	if err != nil {
		return fmt.Errorf("store %s: encrypt the key: %w", v.path, err)
	}
	v.keyBlock, v.recipient = block, id.Recipient()
	return nil
}

// unlock decrypts data, the bytes of an existing vault file.
func (v *FileVault) unlock(data, passphrase []byte, maxLogN int) error {
	if len(data) == 0 {
		return v.unreadable("it is empty")
	}
	keyBlock, itemsBlock, ok := splitVaultFile(data)
	if !ok {
		if bytes.HasPrefix(data, []byte("age-encryption.org/")) {
			return v.unreadable("it is a binary age file, not a tokentray store")
		}
		return v.unreadable("it does not hold the two age-armored parts of one, or it was cut short")
	}

	scryptID, err := age.NewScryptIdentity(string(passphrase))
	if err != nil {
		return fmt.Errorf("store %s: %w", v.path, err)
	}
	scryptID.SetMaxWorkFactor(maxLogN)
	keyText, err := decryptArmored(keyBlock, passphraseIdentity{scryptID, maxLogN})
	defer clear(keyText)
	var noMatch *age.NoIdentityMatchError
	switch {
	case err == nil:
	case errors.As(err, &noMatch):
		return fmt.Errorf("store %s: %w; the file was left as it is", v.path, ErrWrongPassphrase)
	case errors.Is(err, errKeyNotScrypt):
		return v.unreadable("its key part is not protected by a passphrase")
	case errors.Is(err, errWorkFactorTooLarge):
		return v.unreadable(fmt.Sprintf("its passphrase asks for more scrypt work than the 2^%d tokentray accepts", maxLogN))
	default:
		return v.unreadable("its key part is damaged or cut short")
	}
	ids, err := age.ParseIdentities(bytes.NewReader(keyText))
	if err != nil || len(ids) != 1 {
		return v.unreadable("its key part does not hold one age key")
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return v.unreadable("its key part does not hold an X25519 age key")
	}

	plain, err := decryptArmored(itemsBlock, id)
	defer clear(plain)
	switch {
	case err == nil:
	case errors.As(err, &noMatch):
		return v.unreadable("its items were not encrypted to its key")
	default:
		return v.unreadable("its items part is damaged or cut short")
	}
	items, msg := decodeVaultItems(plain)
	if msg != "" {
		return v.unreadable(msg)
	}
	v.keyBlock = bytes.Clone(keyBlock)
	v.recipient = id.Recipient()
	v.items = items
	return nil
}

func (v *FileVault) unreadable(what string) error {
	return fmt.Errorf("store %s: %w: %s; the file was left as it is: restore it from a backup, or move it away and log in again to start a new store",
		v.path, ErrUnreadableVault, what)
}

// Path is the vault file's absolute path.
func (v *FileVault) Path() string { return v.path }

// Limit is the largest item the vault takes.
func (v *FileVault) Limit() int { return MaxVaultItemSize }

// Where names an item for a person.
func (v *FileVault) Where(item string) string { return "the item " + item + " of " + v.path }

// Load returns a copy of item's value, or (nil, nil) when there is no such
// item.
func (v *FileVault) Load(item string) ([]byte, error) {
	if err := checkItemName(item); err != nil {
		return nil, fmt.Errorf("store %s: %w", v.path, err)
	}
	v.mu.RLock()
	value, ok := v.items[item]
	v.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	return bytes.Clone(value), nil // not nil for an empty value
}

// Save stores value (copied; nil is an empty value) as item and writes the
// file. When the write fails the file and the vault are as they were.
func (v *FileVault) Save(item string, value []byte) error {
	if err := checkItemName(item); err != nil {
		return fmt.Errorf("store %s: %w", v.path, err)
	}
	if len(value) > MaxVaultItemSize {
		return fmt.Errorf("store %s: item %q is %d bytes, more than the %d an item may hold", v.path, item, len(value), MaxVaultItemSize)
	}
	value = append([]byte{}, value...)
	return v.update(func(items map[string][]byte) bool {
		items[item] = value
		return true
	})
}

// Delete removes item and writes the file; deleting an absent item is fine
// and writes nothing.
func (v *FileVault) Delete(item string) error {
	if err := checkItemName(item); err != nil {
		return fmt.Errorf("store %s: %w", v.path, err)
	}
	return v.update(func(items map[string][]byte) bool {
		if _, ok := items[item]; !ok {
			return false
		}
		delete(items, item)
		return true
	})
}

// Items returns the names of the items, sorted.
func (v *FileVault) Items() []string {
	v.mu.RLock()
	defer v.mu.RUnlock()
	names := make([]string, 0, len(v.items))
	for name := range v.items {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// update applies change to a copy of the items, writes the copy and, once
// the file is in place, makes it the vault's items. change reports whether
// it changed anything.
func (v *FileVault) update(change func(map[string][]byte) bool) error {
	v.writeMu.Lock()
	defer v.writeMu.Unlock()
	v.mu.RLock()
	next := make(map[string][]byte, len(v.items)+1)
	for name, value := range v.items { // values are never changed in place
		next[name] = value
	}
	v.mu.RUnlock()
	if !change(next) {
		return nil
	}
	data, err := v.encode(next)
	if err != nil {
		return err
	}
	written, err := v.write(data)
	if written {
		v.onDisk, v.digest = true, sha256.Sum256(data)
		v.mu.Lock()
		v.items = next
		v.mu.Unlock()
	}
	return err
}

// encode returns the whole file for items.
func (v *FileVault) encode(items map[string][]byte) ([]byte, error) {
	plain, err := json.Marshal(vaultPayload{Format: vaultFormat, Version: vaultVersion, Items: items})
	defer clear(plain)
	if err != nil {
		return nil, fmt.Errorf("store %s: encode the items: %w", v.path, err)
	}
	var buf bytes.Buffer
	buf.Grow(len(v.keyBlock) + len(plain)*4/3 + len(plain)/48 + 512)
	buf.Write(v.keyBlock)
	if err := encryptArmoredTo(&buf, plain, v.recipient); err != nil {
		return nil, fmt.Errorf("store %s: encrypt the items: %w", v.path, err)
	}
	if buf.Len() > MaxVaultFileSize {
		return nil, fmt.Errorf("store %s: the file would be %d bytes, more than the %d MiB it may take; remove environments you no longer use",
			v.path, buf.Len(), MaxVaultFileSize>>20)
	}
	return buf.Bytes(), nil
}

// write replaces the file with data: a temporary file in the same
// directory, fsync, rename, fsync the directory. It first checks that the
// directory and the file are still private and that the file is still what
// this vault last read or wrote: it never replaces a file it did not
// decrypt. written reports whether the file now holds data (true with an
// error when only the directory sync failed).
func (v *FileVault) write(data []byte) (written bool, err error) {
	dirExists, err := checkVaultDir(v.dir)
	if err != nil {
		return false, err
	}
	current, onDisk, err := readVaultFile(v.path)
	if err != nil {
		return false, err
	}
	if onDisk != v.onDisk || (onDisk && sha256.Sum256(current) != v.digest) {
		what := "changed"
		switch {
		case !onDisk:
			what = "removed"
		case !v.onDisk:
			what = "created"
		}
		return false, fmt.Errorf("store %s: the file was %s by another program since tokentray read it; it was left as it is: restart tokentray to read it again", v.path, what)
	}
	if !dirExists {
		if err := os.MkdirAll(v.dir, 0o700); err != nil {
			return false, fmt.Errorf("store %s: create the directory: %w", v.path, err)
		}
		if err := os.Chmod(v.dir, 0o700); err != nil { // past the umask
			return false, fmt.Errorf("store %s: %w", v.path, err)
		}
		if _, err := checkVaultDir(v.dir); err != nil {
			return false, err
		}
	}

	if err := v.fail("create"); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	f, err := os.CreateTemp(v.dir, "."+filepath.Base(v.path)+".tmp-*")
	if err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	if _, err := f.Write(data); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	if err := f.Sync(); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	if err := f.Close(); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	if err := v.fail("rename"); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	if err := os.Rename(tmp, v.path); err != nil {
		return false, fmt.Errorf("store %s: write: %w", v.path, err)
	}
	renamed = true
	if err := syncVaultDir(v.dir); err != nil {
		return true, fmt.Errorf("store %s: written, but syncing its directory failed (the change may not survive a crash): %w", v.path, err)
	}
	return true, nil
}

func (v *FileVault) fail(step string) error {
	if v.failWrite == nil {
		return nil
	}
	return v.failWrite(step)
}

// vaultPayload is the plaintext of the items part.
type vaultPayload struct {
	Format  string            `json:"format"`
	Version int               `json:"version"`
	Items   map[string][]byte `json:"items"`
}

// decodeVaultItems parses the items part's plaintext; msg says what is wrong
// without quoting any of it.
func decodeVaultItems(plain []byte) (items map[string][]byte, msg string) {
	var p vaultPayload
	dec := json.NewDecoder(bytes.NewReader(plain))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		// A newer version may add fields; say so when it says it is newer.
		var head struct {
			Format  string `json:"format"`
			Version int    `json:"version"`
		}
		if json.Unmarshal(plain, &head) == nil && head.Format == vaultFormat && head.Version > vaultVersion {
			return nil, fmt.Sprintf("it was written by a newer tokentray (format version %d)", head.Version)
		}
		return nil, "its items are not in a form this version knows"
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "its items have data after them"
	}
	if p.Format != vaultFormat {
		return nil, "its items are not in a form this version knows"
	}
	if p.Version != vaultVersion {
		if p.Version > vaultVersion {
			return nil, fmt.Sprintf("it was written by a newer tokentray (format version %d)", p.Version)
		}
		return nil, fmt.Sprintf("its format version %d is not one this version knows", p.Version)
	}
	if p.Items == nil {
		p.Items = map[string][]byte{}
	}
	for name, value := range p.Items {
		if checkItemName(name) != nil || len(value) > MaxVaultItemSize {
			return nil, "it holds an item whose name or size this version does not accept"
		}
		if value == nil {
			p.Items[name] = []byte{}
		}
	}
	return p.Items, ""
}

func checkItemName(name string) error {
	switch {
	case name == "":
		return errors.New("an item needs a name")
	case len(name) > maxVaultItemName:
		return fmt.Errorf("an item name of %d bytes is longer than the %d allowed", len(name), maxVaultItemName)
	case !utf8.ValidString(name):
		return errors.New("an item name must be UTF-8")
	}
	return nil
}

// splitVaultFile splits the file at the end of its first armored part.
func splitVaultFile(data []byte) (keyBlock, itemsBlock []byte, ok bool) {
	i := bytes.Index(data, []byte(armor.Footer))
	if i < 0 {
		return nil, nil, false
	}
	end := i + len(armor.Footer)
	switch {
	case bytes.HasPrefix(data[end:], []byte("\r\n")):
		end += 2
	case bytes.HasPrefix(data[end:], []byte("\n")):
		end++
	default:
		return nil, nil, false
	}
	if !bytes.Contains(data[end:], []byte(armor.Header)) {
		return nil, nil, false
	}
	return data[:end], data[end:], true
}

func encryptArmored(plain []byte, r age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	if err := encryptArmoredTo(&buf, plain, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func encryptArmoredTo(dst io.Writer, plain []byte, r age.Recipient) error {
	a := armor.NewWriter(dst)
	w, err := age.Encrypt(a, r)
	if err != nil {
		return err
	}
	if _, err := w.Write(plain); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return a.Close()
}

func decryptArmored(block []byte, id age.Identity) ([]byte, error) {
	r, err := age.Decrypt(armor.NewReader(bytes.NewReader(block)), id)
	if err != nil {
		return nil, err
	}
	// The plaintext is smaller than the armored block holding it.
	return io.ReadAll(io.LimitReader(r, int64(len(block))))
}

var (
	errKeyNotScrypt       = errors.New("the key part is not passphrase-encrypted")
	errWorkFactorTooLarge = errors.New("the scrypt work factor is too large")
)

// passphraseIdentity opens the key part: an age file with exactly one
// scrypt stanza. Anything else is a damaged or foreign file, not a wrong
// passphrase.
type passphraseIdentity struct {
	scrypt  *age.ScryptIdentity
	maxLogN int
}

func (i passphraseIdentity) Unwrap(stanzas []*age.Stanza) ([]byte, error) {
	if len(stanzas) != 1 || stanzas[0].Type != "scrypt" {
		return nil, errKeyNotScrypt
	}
	if args := stanzas[0].Args; len(args) == 2 {
		if n, err := strconv.Atoi(args[1]); err == nil && n > i.maxLogN {
			return nil, errWorkFactorTooLarge
		}
	}
	return i.scrypt.Unwrap(stanzas)
}

// checkVaultDir refuses a vault directory that is a symlink, not a
// directory, not the user's, or open to other users. A directory that does
// not exist is not an error; exists says whether it does.
func checkVaultDir(dir string) (exists bool, err error) {
	fi, err := os.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store directory %s: %w", dir, err)
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return true, fmt.Errorf("store directory %s is a symbolic link; tokentray keeps its store only in a real directory: configure the store path inside the directory the link points to", dir)
	case !fi.IsDir():
		return true, fmt.Errorf("store directory %s is not a directory", dir)
	}
	if uid, me, ok := vaultOwner(fi); ok && uid != me {
		return true, fmt.Errorf("store directory %s is owned by uid %d, not by you (uid %d); keep the store in a directory of your own", dir, uid, me)
	}
	if perm := fi.Mode().Perm(); vaultUnixModes && perm&0o077 != 0 {
		return true, fmt.Errorf("store directory %s has mode %04o, open to %s; run `chmod 700 %s`", dir, perm, permWho(perm), dir)
	}
	return true, nil
}

// checkVaultFileInfo refuses a vault file that is a symlink, not a regular
// file, not the user's, or open to other users.
func checkVaultFileInfo(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return fmt.Errorf("store %s is a symbolic link; tokentray writes its store only as a real file: replace the link with the file it points to (mv), or configure that file's path", path)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("store %s is %s, not a regular file", path, config.FileKind(fi.Mode()))
	}
	if uid, me, ok := vaultOwner(fi); ok && uid != me {
		return fmt.Errorf("store %s is owned by uid %d, not by you (uid %d); copy it to a file of your own and run `chmod 600` on it", path, uid, me)
	}
	if perm := fi.Mode().Perm(); vaultUnixModes && perm&0o077 != 0 {
		return fmt.Errorf("store %s has mode %04o, open to %s; run `chmod 600 %s`", path, perm, permWho(perm), path)
	}
	return nil
}

// readVaultFile reads the vault file after checkVaultFileInfo's checks,
// made both before opening it (so a pipe is never opened) and on the opened
// file. exists is false, without error, when there is no file.
func readVaultFile(path string) (data []byte, exists bool, err error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store %s: %w", path, err)
	}
	if err := checkVaultFileInfo(path, fi); err != nil {
		return nil, true, err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|vaultNoFollow|vaultNonBlock, 0)
	if err != nil {
		return nil, true, fmt.Errorf("store %s: %w", path, err)
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil {
		return nil, true, fmt.Errorf("store %s: %w", path, err)
	}
	if err := checkVaultFileInfo(path, opened); err != nil {
		return nil, true, err
	}
	if !os.SameFile(fi, opened) {
		return nil, true, fmt.Errorf("store %s was replaced while tokentray opened it; try again", path)
	}
	tooLarge := fmt.Errorf("store %s is larger than %d MiB, far more than a tokentray store; it was left as it is: is the store path pointing at the right file?", path, MaxVaultFileSize>>20)
	if opened.Size() > MaxVaultFileSize {
		return nil, true, tooLarge
	}
	var buf bytes.Buffer
	buf.Grow(int(opened.Size()) + bytes.MinRead)
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxVaultFileSize+1)); err != nil { // it may have grown
		return nil, true, fmt.Errorf("store %s: read: %w", path, err)
	}
	if buf.Len() > MaxVaultFileSize {
		return nil, true, tooLarge
	}
	return buf.Bytes(), true, nil
}

// permWho says who besides the owner perm lets in.
func permWho(perm fs.FileMode) string {
	switch {
	case perm&0o070 != 0 && perm&0o007 != 0:
		return "its group and other users"
	case perm&0o070 != 0:
		return "its group"
	default:
		return "other users"
	}
}
