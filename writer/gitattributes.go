package writer

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
)

// GitattributesName is the root-level .gitattributes file in which hlcgen
// maintains a block marking its files as generated. The file is shared with
// the user and is therefore never owned (never in the manifest).
const GitattributesName = ".gitattributes"

// The lines delimiting hlcgen's block in .gitattributes. Everything outside
// the block belongs to the user and is preserved byte for byte.
const (
	BlockBegin = "# BEGIN hlcgen (generated; do not edit this block)"
	BlockEnd   = "# END hlcgen"
)

// gitattributesBlock renders the block marking paths (which must have passed
// syntaxProblem) as linguist-generated, sorted so the output is deterministic.
func gitattributesBlock(paths []string) []byte {
	sorted := slices.Clone(paths)
	slices.Sort(sorted)
	var b bytes.Buffer
	b.WriteString(BlockBegin + "\n")
	for _, p := range sorted {
		b.WriteString(gitattrPattern(p) + " linguist-generated=true\n")
	}
	b.WriteString(BlockEnd + "\n")
	return b.Bytes()
}

// gitattrPattern turns a relative path into a .gitattributes pattern matching
// exactly that file. The leading slash anchors it to the directory holding
// .gitattributes (a bare "foo.nix" would match at every depth), glob
// metacharacters are escaped, and a pattern containing whitespace or quotes
// is written in git's C-style quoted form.
func gitattrPattern(p string) string {
	var b strings.Builder
	b.WriteByte('/')
	for _, r := range p {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	s := b.String()
	if strings.ContainsAny(s, " \t\"") {
		s = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return s
}

// isMarker reports whether line (with its terminator) is a BEGIN or END
// marker. Matching is loose on purpose (trailing whitespace, CRLF, other text
// after "hlcgen") so that a block written by another version of hlcgen, or
// touched by an editor, is still recognised rather than duplicated.
func isMarker(line, marker string) bool {
	t := strings.TrimRight(line, " \t\r\n")
	return t == marker || strings.HasPrefix(t, marker+" ")
}

// spliceBlock returns old with its hlcgen block replaced by block, or with
// block appended if there is none. It returns a non-empty problem if the
// existing markers are malformed, in which case nothing should be written.
func spliceBlock(old, block []byte) ([]byte, string) {
	lines := strings.SplitAfter(string(old), "\n")
	begin, end := -1, -1
	nBegin, nEnd := 0, 0
	for i, l := range lines {
		switch {
		case isMarker(l, "# BEGIN hlcgen"):
			begin, nBegin = i, nBegin+1
		case isMarker(l, "# END hlcgen"):
			end, nEnd = i, nEnd+1
		}
	}
	switch {
	case nBegin == 0 && nEnd == 0:
		out := slices.Clone(old)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, '\n')
		}
		return append(out, block...), ""
	case nBegin != 1 || nEnd != 1 || end < begin:
		return nil, fmt.Sprintf("has a malformed hlcgen block (%d BEGIN and %d END markers); fix it by hand", nBegin, nEnd)
	}
	var out []byte
	out = append(out, strings.Join(lines[:begin], "")...)
	out = append(out, block...)
	out = append(out, strings.Join(lines[end+1:], "")...)
	return out, ""
}

// planGitattributes computes the new .gitattributes for the given owned paths
// (the manifest is added here). root may be nil if the output directory does
// not exist yet.
func planGitattributes(root *os.Root, owned []string) (gitattrState, error) {
	block := gitattributesBlock(append(slices.Clone(owned), ManifestName))
	if root == nil {
		return gitattrState{new: block}, nil
	}
	fi, err := root.Lstat(GitattributesName)
	if errors.Is(err, fs.ErrNotExist) {
		return gitattrState{new: block}, nil
	}
	if err != nil {
		return gitattrState{}, ioErr("read", GitattributesName, err)
	}
	refuse := func(a Action, reason string) (gitattrState, error) {
		return gitattrState{exists: true, conflict: &Change{Path: GitattributesName, Action: a, Reason: reason}}, nil
	}
	switch mode := fi.Mode(); {
	case mode&fs.ModeSymlink != 0:
		return refuse(Escape, "is a symlink; hlcgen never writes through symlinks")
	case !mode.IsRegular():
		return refuse(Foreign, "exists and is not a regular file")
	}
	old, err := root.ReadFile(GitattributesName)
	if err != nil {
		return gitattrState{}, ioErr("read", GitattributesName, err)
	}
	updated, problem := spliceBlock(old, block)
	if problem != "" {
		return refuse(Foreign, problem)
	}
	return gitattrState{exists: true, old: old, new: updated}, nil
}
