package gateway

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// TestScanRulesDocumented keeps docs/scan-rules.md what it says it is:
// the output of `mcpwarden scan --list-rules`, one row per rule.
func TestScanRulesDocumented(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "scan-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	rows := 0
	for _, r := range append(scan.Rules(), ShadowingRules()...) {
		row := fmt.Sprintf("| `%s` | %s | %s |\n", r.ID, r.Severity, r.Description)
		if !strings.Contains(doc, row) {
			t.Errorf("docs/scan-rules.md lacks or differs on rule %s; regenerate it with `mcpwarden scan --list-rules`", r.ID)
		}
		rows++
	}
	if n := strings.Count(doc, "\n| `"); n != rows {
		t.Errorf("docs/scan-rules.md has %d rule rows, the scanner %d", n, rows)
	}
}
