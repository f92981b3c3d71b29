package policy

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

func TestInferLabels(t *testing.T) {
	for _, tc := range []struct {
		name, def string
		want      []string
	}{
		{"fetch", `{"annotations":{"readOnlyHint":true}}`, []string{LabelUntrustedInput}},
		{"browser_navigate", `{}`, []string{LabelUntrustedInput}},
		{"get_issue", `{}`, []string{LabelUntrustedInput}},
		{"searchWeb", `{}`, []string{LabelUntrustedInput}},
		{"read_email", `{}`, []string{LabelUntrustedInput}},
		{"send_email", `{}`, []string{LabelExfiltration}},
		{"slack_post_message", `{}`, []string{LabelExfiltration}},
		{"create_issue", `{}`, []string{LabelExfiltration}},
		{"upload_file", `{}`, []string{LabelExfiltration}},
		{"http_request", `{"annotations":{"openWorldHint":true}}`, []string{LabelExfiltration}},
		{"read_file", `{}`, []string{LabelSensitiveRead}},
		{"get_secret", `{}`, []string{LabelSensitiveRead}},
		{"get_env", `{}`, []string{LabelSensitiveRead}},
		// Benign twins: nothing that reads outside content or sends it.
		{"add", `{"annotations":{"readOnlyHint":true}}`, nil},
		{"echo", `{}`, nil},
		{"sequentialthinking", `{}`, nil},
		{"create_entities", `{}`, nil},
		{"write_file", `{}`, nil},
		{"list_allowed_directories", `{}`, nil},
	} {
		got := InferLabels(tc.name, json.RawMessage(tc.def))
		if !slices.Equal(got, tc.want) {
			t.Errorf("InferLabels(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestFlowGuard(t *testing.T) {
	f := &Flows{Mode: FlowStatic, OnConflict: ConflictRefuse, AfterTaint: TaintHold,
		Rules: map[string][]LabelRule{"s": {{Pattern: "notify", Labels: []string{LabelExfiltration}}, {Pattern: "fetch", Labels: []string{}}}}}
	both := map[string][]string{LabelUntrustedInput: {"s__get_issue"}, LabelExfiltration: {"s__notify"}}
	g := &FlowGuard{Flows: f}
	call := func(name string, listing bool, sess guard.Session) guard.Decision {
		return g.Check(context.Background(), &guard.Call{Method: "tools/call", Listing: listing, Server: "s", Name: name, Session: sess})
	}
	if d := call("notify", false, guard.Session{Exposure: both}); d.Action != guard.Deny || !strings.Contains(d.Reason, "toxic flow") {
		t.Errorf("static refuse, exfiltration call: %+v", d)
	}
	if d := call("get_issue", false, guard.Session{Exposure: both}); d.Action != guard.Allow {
		t.Errorf("static refuse, untrusted call: %+v", d)
	}
	if d := call("notify", false, guard.Session{Exposure: map[string][]string{LabelExfiltration: {"s__notify"}}}); d.Action != guard.Allow {
		t.Errorf("static, one side only: %+v", d)
	}
	if d := call("fetch", false, guard.Session{Exposure: both}); d.Action != guard.Allow {
		t.Errorf("a tool labelled [] by the configuration: %+v", d)
	}
	f.OnConflict = ConflictWithholdUntrusted
	if d := call("get_issue", true, guard.Session{Exposure: both}); d.Action != guard.Deny {
		t.Errorf("withhold untrusted, listing: %+v", d)
	}
	f.Mode = FlowDynamic
	if d := call("notify", false, guard.Session{}); d.Action != guard.Allow {
		t.Errorf("dynamic, clean session: %+v", d)
	}
	if d := call("notify", false, guard.Session{Tainted: "s/get_issue"}); d.Action != guard.Hold {
		t.Errorf("dynamic, tainted, hold: %+v", d)
	}
	f.AfterTaint = TaintDeny
	if d := call("notify", false, guard.Session{Tainted: "s/get_issue"}); d.Action != guard.Deny {
		t.Errorf("dynamic, tainted, deny: %+v", d)
	}
	if d := call("notify", true, guard.Session{Tainted: "s/get_issue"}); d.Action != guard.Allow {
		t.Errorf("dynamic keeps listing: %+v", d)
	}
}
