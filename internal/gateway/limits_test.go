package gateway

import (
	"encoding/json"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/guard"
)

// A tool's category: its rule's (exact name, then patterns in file order),
// else outbound_http for a tool labelled exfiltration (configured or
// inferred), else none; db_write and file_write are never inferred.
func TestToolCategories(t *testing.T) {
	cfg, _, err := config.Parse([]byte(`
servers:
  s:
    command: x
    tools:
      "insert_*": {category: db_write}
      insert_log: {category: audit_log}
      relay: {labels: [exfiltration]}
      send_email: {labels: []}
      "write_*": {category: file_write}
policy: {default: allow}
limits:
  categories: {outbound_http: 5, db_write: 5, file_write: 5, audit_log: 5}
`), "t.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	cat := ToolCategories(cfg, FlowRules(cfg))
	for _, tc := range []struct {
		tool, def, want string
	}{
		{"insert_row", "", "db_write"},
		{"insert_log", "", "audit_log"}, // exact name wins over the glob before it
		{"write_file", "", "file_write"},
		{"relay", "", "outbound_http"},                                             // configured label
		{"post_webhook", "", "outbound_http"},                                      // inferred label
		{"send_email", "", ""},                                                     // labels: [] says no label
		{"sync_remote", `{"annotations":{"openWorldHint":true}}`, "outbound_http"}, // open world, not a read
		{"read_file", `{"annotations":{"readOnlyHint":true}}`, ""},
		{"update_database", "", ""}, // not inferred: name it in a rule
		{"echo", "", ""},
	} {
		c := &guard.Call{Method: "tools/call", Server: "s", Name: tc.tool}
		if tc.def != "" {
			c.Definition = json.RawMessage(tc.def)
		}
		if got := cat(c); got != tc.want {
			t.Errorf("%s: category %q, want %q", tc.tool, got, tc.want)
		}
	}
}

func TestClientAddr(t *testing.T) {
	for in, want := range map[string]string{"127.0.0.1:5000": "127.0.0.1", "[::1]:80": "::1", "": "", "pipe": "pipe"} {
		if got := clientAddr(in); got != want {
			t.Errorf("clientAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
