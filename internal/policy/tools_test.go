package policy

import (
	"context"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

func b(v bool) *bool { return &v }

func TestDecideTool(t *testing.T) {
	rules := ToolRules{
		DefaultAllow: true,
		Servers: map[string]ServerRules{
			"ev": {Rules: []ToolRule{
				{Pattern: "get-*", Allow: b(false)},
				{Pattern: "get-tiny-image", Allow: b(true)}, // exact beats glob
				{Pattern: "echo"},                           // says nothing about allow
			}},
			"locked": {Default: b(false), Rules: []ToolRule{{Pattern: "read_*", Allow: b(true)}}},
		},
	}
	cases := []struct {
		server, name, method string
		want                 guard.Action
	}{
		{"ev", "get-env", "tools/call", guard.Deny},
		{"ev", "get-tiny-image", "tools/call", guard.Allow},
		{"ev", "echo", "tools/call", guard.Allow},
		{"ev", "add", "tools/call", guard.Allow},
		{"locked", "read_file", "tools/call", guard.Allow},
		{"locked", "write_file", "tools/call", guard.Deny},
		{"other", "x", "tools/call", guard.Allow},
		{"locked", "write_file", "resources/read", guard.Allow},
	}
	for _, tc := range cases {
		d := DecideTool(rules, &guard.Call{Method: tc.method, Server: tc.server, Name: tc.name})
		if d.Action != tc.want {
			t.Errorf("%s/%s %s: got %v (%s) want %v", tc.server, tc.name, tc.method, d.Action, d.Reason, tc.want)
		}
		if d.Action == guard.Deny && (d.Guard != GuardName || d.Reason == "") {
			t.Errorf("deny without guard/reason: %+v", d)
		}
	}
	// Deny by default means an empty allowlist allows nothing.
	empty := ToolRules{DefaultAllow: false}
	if d := DecideTool(empty, &guard.Call{Method: "tools/call", Server: "s", Name: "t"}); d.Action != guard.Deny {
		t.Fatalf("empty deny-default allowlist allowed a call")
	}
}

func BenchmarkToolGuard(b *testing.B) {
	g := &ToolGuard{Rules: ToolRules{DefaultAllow: true, Servers: map[string]ServerRules{"ev": {Rules: []ToolRule{{Pattern: "get-*", Allow: new(bool)}}}}}}
	c := &guard.Call{Method: "tools/call", Server: "ev", Name: "echo"}
	ch := guard.Chain{g}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = ch.Decide(ctx, c)
	}
}
