package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestArchitectureListsPackages keeps the package table of
// docs/architecture.md complete: every package under internal/ has a row.
func TestArchitectureListsPackages(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := os.ReadDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if d.IsDir() && !strings.Contains(string(doc), "| `internal/"+d.Name()+"` |") {
			t.Errorf("docs/architecture.md has no row for internal/%s", d.Name())
		}
	}
}
