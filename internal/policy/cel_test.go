package policy

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

func TestCompileAndEval(t *testing.T) {
	cases := []struct {
		when  string
		args  string
		allow bool
		err   string
	}{
		{"args.a <= 100 && args.b <= 100", `{"a": 5, "b": 100}`, true, ""},
		{"args.a <= 100 && args.b <= 100", `{"a": 101, "b": 1}`, false, ""},
		{"args.amount <= 500 && args.currency in ['EUR','USD']", `{"amount": 499.5, "currency": "EUR"}`, true, ""},
		{"args.amount <= 500 && args.currency in ['EUR','USD']", `{"amount": 20, "currency": "GBP"}`, false, ""},
		{"args.path.startsWith('/srv/data/')", `{"path": "/srv/data/x.txt"}`, true, ""},
		{"args.path.startsWith('/srv/data/')", `{"path": "/etc/passwd"}`, false, ""},
		{"'ev.admin' in principal.scopes", `{}`, false, ""},
		{"tool == 'echo' && server == 'ev' && session.transport == 'stdio'", `{}`, true, ""},
		{"now.getFullYear() >= 2026", `{}`, true, ""},
		// A missing argument is an error: the call is denied (fail closed).
		{"args.a <= 100", `{}`, false, "no such key"},
		{"args.a <= 100", `{"a": "ten"}`, false, "no such overload"},
	}
	for _, tc := range cases {
		x, err := Compile(tc.when)
		if err != nil {
			t.Fatalf("%q: %v", tc.when, err)
		}
		args, err := ArgsOf(json.RawMessage(tc.args))
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.Eval(context.Background(), Input{Args: args, Tool: "echo", Server: "ev", Now: time.Now(),
			Principal: guard.Principal{Subject: "alice", Scopes: []string{"ev.read"}}, Session: guard.Session{Transport: "stdio"}})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q on %s: %v %v, want error %q", tc.when, tc.args, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.allow {
			t.Errorf("%q on %s: %v %v, want %v", tc.when, tc.args, got, err, tc.allow)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for src, want := range map[string]string{
		"args.a +":           "Syntax error",
		"args.a + 1":         "must be a boolean",
		"unknown_var == 1":   "undeclared reference",
		"tool.startsWith(1)": "found no matching overload",
	} {
		if _, err := Compile(src); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}

// A condition that loops over a large input hits the cost limit and is
// an error (denied), not a hang.
func TestCostLimit(t *testing.T) {
	x, err := Compile("args.items.all(i, args.items.all(j, i + j >= 0))")
	if err != nil {
		t.Fatal(err)
	}
	items := make([]any, 2000)
	for i := range items {
		items[i] = float64(i)
	}
	_, err = x.Eval(context.Background(), Input{Args: map[string]any{"items": items}, Now: time.Now()})
	if err == nil || !strings.Contains(err.Error(), "cost") {
		t.Fatalf("err %v, want the cost limit", err)
	}
}

func FuzzArgsOf(f *testing.F) {
	f.Add(`{"a": 1, "b": [1, "x", {"c": null}], "d": 1e400}`)
	f.Add(`{"path": "/srv/data/\u0000"}`)
	x, err := Compile("has(args.a) && args.a == 1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		args, err := ArgsOf(json.RawMessage(raw))
		if raw == "" { // no arguments at all: an empty object, by design
			if err != nil || len(args) != 0 {
				t.Fatalf("empty arguments: %v %v", args, err)
			}
			return
		}
		// The fast decoder gives exactly what encoding/json gives.
		var want map[string]any
		werr := json.Unmarshal([]byte(raw), &want)
		if (err == nil) != (werr == nil) && !(err != nil && werr == nil && want == nil) {
			t.Fatalf("%q: decode error %v, encoding/json %v", raw, err, werr)
		}
		if err != nil {
			return
		}
		if !reflect.DeepEqual(args, want) && !(len(args) == 0 && want == nil) {
			t.Fatalf("%q: %#v, encoding/json %#v", raw, args, want)
		}
		_, _ = x.Eval(context.Background(), Input{Args: args, Now: time.Now()}) // never panics
	})
}
