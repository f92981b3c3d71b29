package transport

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoSmugglingToStdioUpstream: a client's notification is forwarded to
// the upstream sessions it uses as the client wrote it. Line breaks in its
// JSON whitespace must not reach a line-oriented stdio server as line
// breaks, or the lines after the first are messages of their own, which no
// guard saw: here a call of a tool the policy denies.
func TestNoSmugglingToStdioUpstream(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "calls")
	env := startGateway(t, HTTPOptions{}, `  line:
    command: `+os.Args[0]+`
    env:
      `+childEnv+`: line-mcp
      MARKER: `+marker+`
      GORACE: atexit_sleep_ms=0
    tools:
      delete_item: {allow: false}
`)
	c := newClient(t, env.URL)
	c.initialize("2025-06-18")
	calls := func() string {
		b, _ := os.ReadFile(marker)
		return string(b)
	}
	// The upstream works, and the policy holds for a direct call.
	if st, _, body := c.do(http.MethodPost, callBody("1", "line__echo", `{}`), nil); st != 200 || parseRPC(t, body).text() != "ran echo" {
		t.Fatalf("echo: %d %s", st, body)
	}
	if st, _, body := c.do(http.MethodPost, callBody("2", "line__delete_item", `{}`), nil); st != 200 || parseRPC(t, body).code() != -32010 {
		t.Fatalf("denied call: %d %s", st, body)
	}
	smuggled := `{"jsonrpc":"2.0","id":"smuggled","method":"tools/call","params":{"name":"delete_item","arguments":{}}}`
	cases := []struct{ name, sep string }{
		{"LF", "\n"},
		{"CRLF", "\r\n"},
		{"CR", "\r"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"jsonrpc":"2.0","method":"notifications/smuggle","params":{"x":` + tc.sep + smuggled + tc.sep + `}}`
			if st, _, resp := c.do(http.MethodPost, body, nil); st != http.StatusAccepted {
				t.Fatalf("notification: %d %s", st, resp)
			}
			// A call after it: the server reads its input in order, so
			// once this is answered the notification has been read.
			if st, _, resp := c.do(http.MethodPost, callBody("3", "line__echo", `{}`), nil); st != 200 || parseRPC(t, resp).text() != "ran echo" {
				t.Fatalf("echo: %d %s", st, resp)
			}
			if strings.Contains(calls(), "delete_item") {
				t.Fatalf("the denied tool ran on the upstream: calls %q", calls())
			}
		})
	}
}
