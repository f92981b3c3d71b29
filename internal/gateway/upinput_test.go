package gateway

import (
	"encoding/json"
	"testing"
)

// A modern upstream's requestState reaches a modern client sealed and bound
// to the call; only the same principal, session, server, method and call
// get the upstream's own state back on the retry.
func TestWrappedRequestState(t *testing.T) {
	g := &Gateway{}
	srv := &server{g: g, name: "m"}
	s := &Session{g: g, id: "st-1"}
	params := json.RawMessage(`{"name":"confirm","arguments":{"b":2,"a":1}}`)
	tok := g.stateSealer().Seal(sealedUpState{Kind: "up", Server: "m", Method: "tools/call", Digest: callDigest("tools/call", params),
		Principal: "alice", Session: "st-1", State: json.RawMessage(`"upstream-state"`)}, inputStateTTL)
	retry := func(p string) json.RawMessage {
		return json.RawMessage(`{"name":"confirm","arguments":` + p + `,"inputResponses":{"ok":{"action":"accept"}},"requestState":"` + tok + `"}`)
	}
	out, err := g.unwrapState(s, srv, "tools/call", retry(`{"a":1,"b":2}`), "alice")
	if err != nil || string(out) != `{"name":"confirm","arguments":{"a":1,"b":2},"inputResponses":{"ok":{"action":"accept"}},"requestState":"upstream-state"}` {
		t.Fatalf("unwrap: %s %v", out, err)
	}
	for name, try := range map[string]func() error{
		"another principal": func() error {
			_, err := g.unwrapState(s, srv, "tools/call", retry(`{"a":1,"b":2}`), "mallory")
			return err
		},
		"another session": func() error {
			_, err := g.unwrapState(&Session{id: "st-2"}, srv, "tools/call", retry(`{"a":1,"b":2}`), "alice")
			return err
		},
		"another server": func() error {
			_, err := g.unwrapState(s, &server{name: "x"}, "tools/call", retry(`{"a":1,"b":2}`), "alice")
			return err
		},
		"changed arguments": func() error {
			_, err := g.unwrapState(s, srv, "tools/call", retry(`{"a":1,"b":3}`), "alice")
			return err
		},
		"another method": func() error {
			_, err := g.unwrapState(s, srv, "prompts/get", retry(`{"a":1,"b":2}`), "alice")
			return err
		},
		"tampered": func() error {
			bad := []byte(tok)
			bad[len(bad)/2] ^= 1
			_, err := g.unwrapState(s, srv, "tools/call", json.RawMessage(`{"name":"confirm","arguments":{"a":1,"b":2},"requestState":"`+string(bad)+`"}`), "alice")
			return err
		},
		"upstream's raw state": func() error {
			_, err := g.unwrapState(s, srv, "tools/call", json.RawMessage(`{"name":"confirm","arguments":{"a":1,"b":2},"requestState":"upstream-state"}`), "alice")
			return err
		},
		"expired": func() error {
			old := g.stateSealer().Seal(sealedUpState{Kind: "up", Server: "m", Method: "tools/call", Digest: callDigest("tools/call", params), Principal: "alice", Session: "st-1"}, -1e9*2)
			_, err := g.unwrapState(s, srv, "tools/call", json.RawMessage(`{"name":"confirm","arguments":{"a":1,"b":2},"requestState":"`+old+`"}`), "alice")
			return err
		},
	} {
		if err := try(); err != errStateInvalid {
			t.Errorf("%s: %v, want %v", name, err, errStateInvalid)
		}
	}
}
