package gateway

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/protocol"
)

// A modern client's virtual session records each request's capabilities
// while its other requests are forwarded, which read them for the
// upstream's _meta: under the race detector (go test -race) the two must
// not race (the conformance suite's job requests found it).
func TestStatelessCapsWhileForwarding(t *testing.T) {
	g, _ := newTestGateway(t, &memSink{}, nil)
	sm := StatelessMeta{Transport: "http", Principal: guard.Principal{Subject: "alice"}, Cred: "anon:127.0.0.1",
		Meta: protocol.RequestMeta{ClientName: "c", ClientVersion: "1", Caps: json.RawMessage(`{"elicitation":{}}`)}}
	s, errResp := g.Stateless(context.Background(), sm, json.RawMessage(`1`))
	if s == nil {
		t.Fatalf("no virtual session: %s", errResp)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 200 {
			if s2, _ := g.Stateless(context.Background(), sm, json.RawMessage(`2`)); s2 != s {
				t.Error("a second virtual session for the same client")
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for range 200 {
			if caps := s.upstreamCaps(); len(caps) == 0 {
				t.Error("no capabilities")
				return
			}
		}
	}()
	wg.Wait()
}
