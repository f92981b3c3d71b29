package policy

import (
	"context"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// The contract's rules: echo and get-sum need ev.read, every other tool
// ev.admin; prompts and resources of ev need nothing beyond a token; the
// "files" server needs files.read for everything.
func contractScopes() ScopeRules {
	return ScopeRules{
		Servers: map[string]ServerScopes{
			"ev": {Rules: []ScopeRule{
				{Pattern: "echo", Scopes: []string{"ev.read"}},
				{Pattern: "get-sum", Scopes: []string{"ev.read"}},
				{Pattern: "*", Scopes: []string{"ev.admin"}},
			}},
			"files": {Scopes: []string{"files.read"}},
		},
		OneShot: map[string]bool{"ev.admin": true},
		Known:   []string{"ev.read", "ev.admin", "files.read"},
	}
}

func TestDecideScopes(t *testing.T) {
	r := contractScopes()
	reader := guard.Principal{Subject: "ci-bot", Scopes: []string{"ev.read", "files.read"}}
	admin := guard.Principal{Subject: "ci-bot", Scopes: []string{"ev.read", "ev.admin"}}
	cases := []struct {
		name   string
		call   guard.Call
		allow  bool
		scopes string // the step-up challenge
	}{
		{"echo with ev.read", guard.Call{Method: "tools/call", Server: "ev", Name: "echo", Principal: reader}, true, ""},
		{"get-env needs ev.admin", guard.Call{Method: "tools/call", Server: "ev", Name: "get-env", Principal: reader}, false, "ev.admin ev.read files.read"},
		{"get-env with ev.admin", guard.Call{Method: "tools/call", Server: "ev", Name: "get-env", Principal: admin}, true, ""},
		{"exact rule beats the glob", guard.Call{Method: "tools/call", Server: "ev", Name: "get-sum", Principal: reader}, true, ""},
		{"prompt of ev needs no scope", guard.Call{Method: "prompts/get", Server: "ev", Name: "p", Principal: guard.Principal{Subject: "x"}}, true, ""},
		{"resource of files needs files.read", guard.Call{Method: "resources/read", Server: "files", URI: "file:///a", Principal: admin}, false, "files.read ev.read"},
		{"resource of files with files.read", guard.Call{Method: "resources/read", Server: "files", URI: "file:///a", Principal: reader}, true, ""},
		{"listing hides what cannot be called", guard.Call{Method: "tools/call", Listing: true, Server: "ev", Name: "get-env", Principal: reader}, false, "ev.admin ev.read files.read"},
		{"unknown server: nothing required", guard.Call{Method: "tools/call", Server: "zz", Name: "x", Principal: guard.Principal{}}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := DecideScopes(r, &tc.call)
			if (d.Action == guard.Allow) != tc.allow {
				t.Fatalf("decision %+v", d)
			}
			if !tc.allow {
				if d.Code != jsonrpc.CodeInsufficientScope || d.Guard != ScopeGuardName || !strings.Contains(d.Reason, "insufficient_scope") {
					t.Fatalf("decision %+v", d)
				}
				if got := strings.Join(d.Scopes, " "); got != tc.scopes {
					t.Fatalf("challenge %q, want %q", got, tc.scopes)
				}
			}
		})
	}
}

// The guard records the step-up challenge for the transport, and marks a
// call that used a one-shot scope (never a listing).
func TestScopeGuardRecords(t *testing.T) {
	g := &ScopeGuard{Rules: contractScopes()}
	admin := guard.Principal{Subject: "ci-bot", Scopes: []string{"ev.read", "ev.admin"}}
	reader := guard.Principal{Subject: "ci-bot", Scopes: []string{"ev.read"}}

	ctx, st := guard.WithRequestState(context.Background())
	g.Check(ctx, &guard.Call{Method: "tools/call", Server: "ev", Name: "get-env", Principal: reader})
	if got := strings.Join(st.StepUp(), " "); got != "ev.admin ev.read" || st.OneShotUsed() {
		t.Fatalf("step-up %q one-shot %v", got, st.OneShotUsed())
	}

	ctx, st = guard.WithRequestState(context.Background())
	g.Check(ctx, &guard.Call{Method: "tools/call", Listing: true, Server: "ev", Name: "get-env", Principal: admin})
	if st.OneShotUsed() || st.StepUp() != nil {
		t.Fatal("a listing marked the request")
	}
	g.Check(ctx, &guard.Call{Method: "tools/call", Server: "ev", Name: "echo", Principal: admin})
	if st.OneShotUsed() {
		t.Fatal("echo (ev.read) marked a one-shot use")
	}
	g.Check(ctx, &guard.Call{Method: "tools/call", Server: "ev", Name: "get-env", Principal: admin})
	if !st.OneShotUsed() {
		t.Fatal("get-env (one-shot ev.admin) not marked")
	}
	// Without a request state (stdio) the guard still decides.
	if d := g.Check(context.Background(), &guard.Call{Method: "tools/call", Server: "ev", Name: "get-env", Principal: reader}); d.Action != guard.Deny {
		t.Fatalf("decision %+v", d)
	}
}
