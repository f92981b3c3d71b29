package pin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A lockfile written before package pinning reads as before; package pins
// round-trip, survive Clone, and malformed ones are errors naming the key.
func TestLockPackages(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.lock")
	if err := os.WriteFile(old, []byte(`{"version":1,"servers":{"fs":{"identity":{"command":"npx"}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _, err := LoadLock(old)
	if err != nil || l.Packages != nil {
		t.Fatalf("old lockfile: %v %v", l, err)
	}
	tree := "sha256:" + strings.Repeat("ab", 32)
	l.Packages = map[string]*Package{"fs": {Ecosystem: "npm", Name: "@s/fs", Version: "1.2.3", Integrity: "sha512-x", Tree: tree,
		Bin: "dist/index.js", PinnedAt: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), Dependencies: []byte(`{"node_modules/@s/fs":{"version":"1.2.3"}}`)}}
	path := filepath.Join(dir, "mcpwarden.lock")
	if err := l.Clone().Save(path); err != nil {
		t.Fatal(err)
	}
	l2, _, err := LoadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if p := l2.Packages["fs"]; p == nil || p.Key() != "npm:@s/fs@1.2.3" || p.Tree != tree || p.Bin != "dist/index.js" {
		t.Fatalf("round trip: %+v", l2.Packages["fs"])
	}
	for _, tc := range []struct{ entry, want string }{
		{`null`, "packages.fs has no entry"},
		{`{"ecosystem":"cargo","name":"x","version":"1","bin":"b","integrity":"i","tree":"` + tree + `"}`, "packages.fs.ecosystem"},
		{`{"ecosystem":"go","name":"x","version":"v1.0.0","bin":"b","integrity":"h1:x","tree":"` + tree + `"}`, "packages.fs.module"},
		{`{"ecosystem":"npm","name":"x","version":"1","integrity":"i","tree":"` + tree + `"}`, "name, version and bin are required"},
		{`{"ecosystem":"npm","name":"x","version":"1","bin":"b","tree":"` + tree + `"}`, "packages.fs.integrity"},
		{`{"ecosystem":"npm","name":"x","version":"1","bin":"b","integrity":"i","tree":"sha256:00"}`, "packages.fs.tree"},
	} {
		bad := filepath.Join(dir, "bad.lock")
		_ = os.WriteFile(bad, []byte(`{"version":1,"servers":{},"packages":{"fs":`+tc.entry+`}}`), 0o644)
		if _, _, err := LoadLock(bad); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.entry, err, tc.want)
		}
	}
}
