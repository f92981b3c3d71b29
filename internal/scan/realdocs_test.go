package scan

import (
	"bufio"
	"crypto/sha256"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
)

// Real documents read as a fetched page or a read file. The READMEs and
// other markdown of the npm packages the tests install (tests/npm, pinned
// by its package-lock.json) and of the Go modules this module requires
// (pinned by go.sum), and a fixed sample of their source files (every
// tenth JavaScript file, every fifteenth Go file, in path order), are text
// written by people for people and programs: install steps with curl and
// tokens, API references that say "send", "call", "response", comments
// for maintainers, code. None is an injection; what the scanner flags in
// them is what it would flag when an agent fetches a package's page or
// reads a dependency's file. The set is the same on every machine where
// .ci/run installed the dependencies.

// maxRealDocFlagged bounds, per kind, the documents flagged at medium or
// above (what was reached; the test fails if more are). The one README
// left is safer-buffer's, whose "identical" is spelt with a Cyrillic es on
// purpose.
var maxRealDocFlagged = map[string]int{"readme": 1, "markdown": 5, "javascript": 3, "go": 4}

type realDoc struct {
	kind string // readme, markdown, javascript, go
	name string // where it comes from: npm:<path> or go:<module@version>/<path>
	text string
}

// realKind is the kind of a file by its name ("" for none of them).
func realKind(name string) string {
	low := strings.ToLower(name)
	switch {
	case strings.HasPrefix(low, "readme") && strings.HasSuffix(low, ".md"):
		return "readme"
	case strings.HasSuffix(low, ".md"):
		return "markdown"
	case strings.HasSuffix(low, ".js") && !strings.HasSuffix(low, ".min.js"):
		return "javascript"
	case strings.HasSuffix(low, ".go") && !strings.HasSuffix(low, "_test.go"):
		return "go"
	}
	return ""
}

// realSample keeps every n-th file of a kind, in path order.
var realSample = map[string]int{"readme": 1, "markdown": 1, "javascript": 10, "go": 15}

// realDocs reads the documents, each once (by content), in a fixed order.
func realDocs(t *testing.T) []realDoc {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	type file struct{ kind, name, path string }
	var files []file
	walk := func(dir string, name func(rel string) string) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if k := realKind(d.Name()); k != "" && !d.IsDir() {
				rel, _ := filepath.Rel(dir, p)
				files = append(files, file{k, name(filepath.ToSlash(rel)), p})
			}
			return nil
		})
		if err != nil {
			t.Fatalf("walk %s: %v", dir, err)
		}
	}
	nm := filepath.Join(root, "tests", "npm", "node_modules")
	if _, err := os.Stat(nm); err != nil {
		t.Fatalf("%s is missing: install the test packages first (cd tests/npm && npm ci; .ci/run does)", nm)
	}
	walk(nm, func(rel string) string { return "npm:" + rel })
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatalf("go env GOMODCACHE: %v", err)
	}
	cache := strings.TrimSpace(string(out))
	for _, mv := range requiredModules(t, filepath.Join(root, "go.mod")) {
		dir := filepath.Join(cache, escapeModulePath(mv[0])+"@"+mv[1])
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("module %s@%s is not in the module cache: run go mod download (.ci/run does)", mv[0], mv[1])
		}
		walk(dir, func(rel string) string { return "go:" + mv[0] + "@" + mv[1] + "/" + rel })
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	var docs []realDoc
	seen := map[[32]byte]bool{}
	nth := map[string]int{}
	for _, f := range files {
		nth[f.kind]++
		if (nth[f.kind]-1)%realSample[f.kind] != 0 {
			continue
		}
		b, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatalf("read %s: %v", f.path, err)
		}
		if len(b) < 200 {
			continue
		}
		if len(b) > 64<<10 {
			b = b[:64<<10]
		}
		h := sha256.Sum256(b)
		if seen[h] {
			continue
		}
		seen[h] = true
		docs = append(docs, realDoc{kind: f.kind, name: f.name, text: string(b)})
	}
	if len(docs) == 0 {
		t.Fatal("no documents found")
	}
	return docs
}

// requiredModules lists go.mod's require entries (path, version).
func requiredModules(t *testing.T, gomod string) [][2]string {
	f, err := os.Open(gomod)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var mods [][2]string
	inBlock := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "//"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		switch {
		case line == "require (":
			inBlock = true
			continue
		case inBlock && line == ")":
			inBlock = false
			continue
		case strings.HasPrefix(line, "require "):
			line = strings.TrimSpace(strings.TrimPrefix(line, "require "))
		case !inBlock:
			continue
		}
		if fs := strings.Fields(line); len(fs) == 2 {
			mods = append(mods, [2]string{fs[0], fs[1]})
		}
	}
	if len(mods) == 0 {
		t.Fatalf("%s requires no module", gomod)
	}
	return mods
}

// escapeModulePath is the module cache's spelling of a path: an upper-case
// letter becomes '!' and the letter in lower case.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

func TestRealDocuments(t *testing.T) {
	docs := realDocs(t)
	s := New(Options{})
	flagged, total := map[string]int{}, map[string]int{}
	for _, d := range docs {
		total[d.kind]++
		fs := s.Result("docs", "fetch", textResult(d.text))
		if Max(fs) < FlagThreshold {
			continue
		}
		flagged[d.kind]++
		for _, f := range fs {
			if f.Severity >= FlagThreshold {
				t.Logf("FLAGGED %s %s: %s/%s %s: %q", d.kind, d.name, f.Rule, f.Severity, f.Message, f.Excerpt)
			}
		}
	}
	for _, k := range []string{"readme", "markdown", "javascript", "go"} {
		t.Logf("real documents, %s: %d of %d flagged at %s or above", k, flagged[k], total[k], FlagThreshold)
		if total[k] == 0 {
			t.Errorf("no %s documents", k)
		}
		if flagged[k] > maxRealDocFlagged[k] {
			t.Errorf("%s: %d documents flagged, more than the %d reached before", k, flagged[k], maxRealDocFlagged[k])
		}
	}
}
