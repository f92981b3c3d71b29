package config

import (
	"strings"
	"testing"
)

// servers.NAME.protocol: auto (default), 2025-11-25 or 2026-07-28; errors
// name the key.
func TestServerProtocol(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"servers:\n  a:\n    url: https://x.example/mcp\n    protocol: \"2026-07-28\"\n", ""},
		{"servers:\n  a:\n    command: x\n    protocol: \"2025-11-25\"\n", ""},
		{"servers:\n  a:\n    command: x\n    protocol: auto\n", ""},
		{"servers:\n  a:\n    command: x\n    protocol: \"2025-06-18\"\n", `servers.a.protocol: must be "auto", "2025-11-25" or "2026-07-28", got "2025-06-18"`},
		{"servers:\n  a:\n    url: https://x.example/mcp\n    protocol: modern\n", `servers.a.protocol: must be`},
		{"servers:\n  a:\n    url: https://x.example/mcp\n    transport: sse\n    protocol: \"2026-07-28\"\n", `servers.a.protocol: "2026-07-28" cannot be spoken over transport "sse"`},
		{"servers:\n  a:\n    url: https://x.example/mcp\n    headers: {Mcp-Method: tools/list}\n", `servers.a.headers.Mcp-Method: header is managed by the gateway`},
		{"servers:\n  a:\n    url: https://x.example/mcp\n    headers: {Mcp-Param-Region: eu}\n", `servers.a.headers.Mcp-Param-Region: header is managed by the gateway`},
	}
	for _, tc := range cases {
		_, _, err := Parse([]byte(tc.yaml), "m.yaml", "")
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.yaml, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
	c, _, err := Parse([]byte("servers:\n  a:\n    command: x\n"), "m.yaml", "")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Servers.Get("a"); s.Protocol != ProtocolAuto {
		t.Fatalf("default protocol %q", s.Protocol)
	}
}
