package ssrf

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

func TestGuard(t *testing.T) {
	g := &Guard{Checker: &Checker{Resolver: resolver}}
	fetchDef := json.RawMessage(`{"name":"fetch","inputSchema":{"type":"object","properties":{"target":{"type":"string","format":"uri"},"note":{"type":"string"}}}}`)
	for _, tc := range []struct {
		name string
		def  json.RawMessage
		args string
		deny string
	}{
		{"url by name", nil, `{"url": "http://169.254.169.254/latest/meta-data/"}`, "args.url"},
		{"url by schema format", fetchDef, `{"target": "http://10.0.0.1/"}`, "args.target"},
		{"host by name", nil, `{"host": "127.0.0.1:6379"}`, "loopback"},
		{"host name resolving privately", nil, `{"hostname": "internal.corp.test"}`, "resolves to"},
		{"absolute URL in any argument", nil, `{"note": "gopher://127.0.0.1:70/_SET"}`, "scheme"},
		{"nested in a list", nil, `{"requests": [{"endpoint": "http://[::ffff:192.168.0.1]/"}]}`, "requests[0].endpoint"},
		{"list of urls", nil, `{"urls": ["https://example.com/", "http://0x7f.1/"]}`, "urls[1]"},
		{"file scheme", nil, `{"uri": "file:///etc/shadow"}`, "scheme"},
		// Benign twins.
		{"public url", nil, `{"url": "https://example.com/page"}`, ""},
		{"public url by format", fetchDef, `{"target": "https://api.github.com/x", "note": "hello"}`, ""},
		{"public host", nil, `{"host": "example.com:443"}`, ""},
		{"text that mentions a URL", nil, `{"message": "see http://localhost:3000 for details"}`, ""},
		{"relative path in a url-named field", nil, `{"url": "/docs/intro"}`, ""},
		{"numbers and booleans", nil, `{"a": 1, "b": true, "c": null}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := g.Check(context.Background(), &guard.Call{Method: "tools/call", Name: "fetch", Definition: tc.def, Arguments: json.RawMessage(tc.args)})
			if tc.deny == "" {
				if d.Action != guard.Allow {
					t.Fatalf("refused: %s", d.Reason)
				}
				return
			}
			if d.Action != guard.Deny || d.Guard != GuardName || !strings.Contains(d.Reason, tc.deny) {
				t.Fatalf("decision %+v, want a denial mentioning %q", d, tc.deny)
			}
		})
	}
}

// The format cache answers each definition with its own formats, and a
// changed definition (same tool, new schema) is decoded again.
func TestCachedFormats(t *testing.T) {
	a := json.RawMessage(`{"name":"t","inputSchema":{"type":"object","properties":{"u":{"type":"string","format":"uri"}}}}`)
	b := json.RawMessage(`{"name":"t","inputSchema":{"type":"object","properties":{"u":{"type":"string"},"h":{"type":"array","items":{"format":"hostname"}}}}}`)
	for range 2 {
		if f := cachedFormats(a); len(f) != 1 || f["u"] != "uri" {
			t.Fatalf("a: %v", f)
		}
		if f := cachedFormats(b); len(f) != 1 || f["h"] != "hostname" {
			t.Fatalf("b: %v", f)
		}
	}
	if f := cachedFormats(nil); f != nil {
		t.Fatalf("nil: %v", f)
	}
}
