package writer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// ManifestName is the file, at the root of the output directory, that records
// which files hlcgen owns. It is the only record of ownership, and it is not
// listed in itself.
const ManifestName = ".hlcgen-manifest.json"

// ManifestVersion is the manifest format version this package reads and
// writes. A manifest with any other version is refused rather than guessed
// at, because misreading ownership could delete a user's file.
const ManifestVersion = 1

// manifest is the on-disk JSON form of the manifest.
type manifest struct {
	Version int             `json:"version"`
	Files   []manifestEntry `json:"files"`
}

// manifestEntry records one owned path. SHA256 is the hash of the content
// hlcgen wrote. Pending is only present in the intermediate manifest written
// while an Apply is in progress: it is the hash of the content being written,
// which is then accepted as well (see the package documentation). An entry
// for a file that did not exist before the interrupted Apply has only Pending.
type manifestEntry struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256,omitempty"`
	Pending string `json:"pending,omitempty"`
}

// accepts reports whether content with the given hash is content hlcgen
// wrote (or was in the middle of writing) at this path.
func (e manifestEntry) accepts(hash string) bool {
	return hash != "" && (hash == e.SHA256 || hash == e.Pending)
}

// hashBytes returns the lowercase hex SHA-256 of b.
func hashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// isHash reports whether s is a lowercase hex SHA-256 as written by hashBytes.
func isHash(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// encodeManifest renders entries deterministically: sorted by path, two-space
// indentation, trailing newline. Byte-identical output for identical input is
// what lets UpToDate compare manifests by bytes and keeps VCS diffs quiet.
func encodeManifest(entries []manifestEntry) ([]byte, error) {
	sorted := slices.Clone(entries)
	if sorted == nil {
		sorted = []manifestEntry{} // "files": [] rather than null
	}
	slices.SortFunc(sorted, func(a, b manifestEntry) int { return strings.Compare(a.Path, b.Path) })
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep paths readable; escaping is irrelevant here
	enc.SetIndent("", "  ")
	if err := enc.Encode(manifest{Version: ManifestVersion, Files: sorted}); err != nil {
		return nil, fmt.Errorf("writer: encode %s: %w", ManifestName, err)
	}
	return buf.Bytes(), nil // Encode already appended the trailing newline
}

// decodeManifest parses and validates a manifest. It is strict: a manifest
// that is not exactly what this package writes is reported as corrupt instead
// of being partially trusted, since it decides what may be overwritten or
// deleted.
func decodeManifest(data []byte) (map[string]manifestEntry, error) {
	// Check the version first, leniently, so that a manifest from a newer
	// hlcgen gets a clear message instead of an unknown-field error.
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if head.Version == nil {
		return nil, errors.New(`missing "version"`)
	}
	if *head.Version != ManifestVersion {
		return nil, &versionError{*head.Version}
	}

	var m manifest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a valid manifest: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the manifest object")
	}

	entries := make(map[string]manifestEntry, len(m.Files))
	for _, e := range m.Files {
		if reason := syntaxProblem(e.Path); reason != "" {
			return nil, fmt.Errorf("entry %q: %s", e.Path, reason)
		}
		if reservedName(e.Path) {
			return nil, fmt.Errorf("entry %q: reserved name cannot be owned", e.Path)
		}
		if _, dup := entries[e.Path]; dup {
			return nil, fmt.Errorf("entry %q: listed twice", e.Path)
		}
		if e.SHA256 == "" && e.Pending == "" {
			return nil, fmt.Errorf("entry %q: no hash", e.Path)
		}
		for _, h := range []string{e.SHA256, e.Pending} {
			if h != "" && !isHash(h) {
				return nil, fmt.Errorf("entry %q: %q is not a lowercase hex SHA-256", e.Path, h)
			}
		}
		entries[e.Path] = e
	}
	return entries, nil
}

// versionError is a manifest of a version this hlcgen does not know.
type versionError struct{ version int }

func (e *versionError) Error() string {
	return fmt.Sprintf("unsupported version %d (this hlcgen understands version %d)", e.version, ManifestVersion)
}

// readManifest loads the manifest from root, which may be nil when the output
// directory does not exist yet. It returns the raw bytes (nil if absent) for
// byte comparison, and the parsed entries.
//
// A manifest that does not decode (a bad merge, a truncated write by another
// tool) is not an error: it says nothing reliable about ownership, so it is
// treated as lost (no entries) and problem says why. Only what must not be
// overwritten is refused: a manifest from another version of hlcgen, which
// a newer hlcgen should read, and one that is not a regular file.
func readManifest(root *os.Root) (raw []byte, exists bool, entries map[string]manifestEntry, problem string, err error) {
	if root == nil {
		return nil, false, map[string]manifestEntry{}, "", nil
	}
	fi, err := root.Lstat(ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, map[string]manifestEntry{}, "", nil
	}
	if err != nil {
		return nil, false, nil, "", ioErr("read", ManifestName, err)
	}
	if !fi.Mode().IsRegular() {
		// A symlinked or otherwise odd manifest could make hlcgen trust or
		// overwrite something it does not control; a human must look.
		return nil, false, nil, "", fmt.Errorf("writer: %s: not a regular file (%s); refusing to use it", ManifestName, fi.Mode().Type())
	}
	raw, err = root.ReadFile(ManifestName)
	if err != nil {
		return nil, false, nil, "", ioErr("read", ManifestName, err)
	}
	entries, err = decodeManifest(raw)
	var ve *versionError
	switch {
	case errors.As(err, &ve):
		return nil, false, nil, "", fmt.Errorf("writer: %s: %w: it was written by another hlcgen release; render with that release, or a newer one", ManifestName, err)
	case err != nil:
		return raw, true, map[string]manifestEntry{}, err.Error(), nil
	}
	return raw, true, entries, "", nil
}
