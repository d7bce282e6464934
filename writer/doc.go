// Package writer is the only code in hlcgen that touches the filesystem for
// outputs. Generators return []generator.File; this package decides what that
// means for the output directory and carries it out safely.
//
// # Ownership
//
// hlcgen owns exactly the files listed in the manifest, .hlcgen-manifest.json
// at the root of the output directory. The manifest records, for each owned
// path, the SHA-256 of the content hlcgen last wrote there. Everything else in
// the output directory belongs to the user and is never modified or deleted:
//
//   - a file at an output path that is not in the manifest is Foreign, a
//     conflict that cannot be overridden, unless it shows that an earlier
//     render wrote it: one holding exactly the generated content is adopted
//     (Adopt: nothing can be lost), one that starts with hlcgen's header
//     but differs is Unrecorded, a conflict Options.Force may override
//     (without the manifest's hash, an older render and a hand edit look
//     the same). That is what a lost manifest leaves; a corrupt one is
//     treated as lost (Plan.ManifestProblem says why), while one from
//     another manifest version or one that is not a regular file is
//     refused;
//   - an owned file whose content no longer matches the manifest was Edited by
//     hand, a conflict that Options.Force may override;
//   - a path that is malformed or whose resolution leaves the output directory
//     (through "..", an absolute path, or a symlink) is an Escape, a conflict
//     that cannot be overridden;
//   - an owned file that was deleted by hand is simply written again, and one
//     that is no longer generated is pruned, together with the directories the
//     pruning leaves empty.
//
// .gitattributes is shared with the user: hlcgen only maintains a delimited
// block in it (see BlockBegin) and it is never listed in the manifest.
//
// # Plan and Apply
//
// NewPlan only reads. It computes an Action for every path and can be shown to
// the user (Changes, Conflicts, Diff) or checked (UpToDate) before anything is
// written. Apply refuses to run while the plan has conflicts, and re-reads the
// output directory first so that it never acts on a stale plan (ErrStale).
// All of Apply's writes go through an os.Root opened on the output directory,
// so even a symlink swapped in after planning cannot redirect a write or a
// deletion outside of it.
//
// # Crash-safety protocol
//
// A manifest entry carries one or two accepted hashes: "sha256" and, while an
// Apply is in progress, "pending". An owned file is unmodified (not a hand
// edit) when its content hash is either of them. Apply proceeds in this order:
//
//  1. Intermediate manifest. Before any owned file is touched, the manifest is
//     atomically replaced with the union of the old and new states: unchanged
//     files list their hash; files about to be written list their current
//     on-disk hash (if any) as sha256 and the new content's hash as pending;
//     files about to be pruned keep their current on-disk hash. The directory
//     is fsynced so this manifest is durable before anything else happens.
//  2. Writes. Each added or updated file is written atomically (temporary file
//     in the same directory, fsync, rename) with mode 0644; missing parent
//     directories are created with mode 0755. Unchanged files are not touched.
//  3. Prunes. Owned files that are no longer generated are removed, then their
//     parent directories, walking up, as long as they are empty (rmdir fails
//     on a directory holding anything else, so a user's file is never lost).
//     The output directory itself is never removed.
//  4. Every directory touched by steps 2 and 3 is fsynced.
//  5. .gitattributes is rewritten (atomically) if its hlcgen block changed.
//  6. Final manifest. The manifest is atomically replaced with exactly the new
//     set of files and hashes, without pending entries, and fsynced. It is the
//     last write.
//
// Invariant: at every point of this sequence, every path listed in the
// on-disk manifest is either absent or holds content whose hash is one of that
// entry's accepted hashes, and every file hlcgen has written is listed. So if
// Apply is interrupted (crash, power loss, error), the next render sees only
// files it owns and recognises: files already rewritten match pending, files
// not yet rewritten match sha256, pruned files are absent. That render
// therefore reports no hand-edit conflicts for files hlcgen itself was
// writing, completes the work, and collapses the manifest back to single
// hashes. Because a forced overwrite records the hand-edited hash as sha256 in
// the intermediate manifest, an interrupted forced render also completes on
// rerun without needing Force again: the user already chose to discard that
// edit.
//
// ApplyContext also stops when its context is cancelled (Ctrl-C), at the next
// safe point: after a step of this sequence, never inside a write. The tree
// is then exactly what a crash at that point would leave, without the
// temporary file a crash inside a write leaves.
//
// A process killed inside a write (kill -9, a power loss) leaves a renameio
// temporary file (".name1234...") next to its target. It is never owned and
// never read; the next plan recognises it by that exact name next to a file
// hlcgen writes or owns, lists it (RemoveTemp, so `render --check` fails),
// and Apply deletes it. Other files under the output directories that
// hlcgen does not own are Strays: listed, never touched (scan.go).
//
// Concurrent renders into the same directory are not supported.
package writer
