package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/gateway"
)

// stdioPeer drives ServeStdio through pipes, as a client would.
type stdioPeer struct {
	t      testing.TB
	in     *io.PipeWriter
	lines  chan string
	done   chan struct{} // closed when ServeStdio returned; err is then set
	err    error
	cancel context.CancelFunc
}

func startStdio(t testing.TB, gw *gateway.Gateway, opts StdioOptions) *stdioPeer {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	p := &stdioPeer{t: t, in: inW, lines: make(chan string, 1024), done: make(chan struct{}), cancel: cancel}
	go func() {
		err := ServeStdio(ctx, gw, inR, outW, opts)
		_ = outW.CloseWithError(io.EOF)
		p.err = err
		close(p.done)
	}()
	go func() {
		defer close(p.lines)
		br := bufio.NewReader(outR)
		for {
			line, err := br.ReadString('\n')
			if line != "" {
				p.lines <- line
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = inW.Close()
		cancel()
		select {
		case <-p.done:
		case <-time.After(waitTimeout):
			t.Error("ServeStdio did not return")
		}
	})
	return p
}

// send writes raw bytes (a goroutine, so a blocked pipe shows as a timeout
// on the answer rather than a deadlock).
func (p *stdioPeer) send(s string) {
	go func() { _, _ = io.WriteString(p.in, s) }()
}

// recv returns the next output line, which must be exactly one JSON value
// terminated by a newline.
func (p *stdioPeer) recv() rpc {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.t.Fatal("output closed")
		}
		if !strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1 {
			p.t.Fatalf("output not one line: %q", line)
		}
		return parseRPC(p.t, line)
	case <-time.After(waitTimeout):
		p.t.Fatal("no answer")
	}
	return rpc{}
}

func (p *stdioPeer) ping(id int) {
	p.t.Helper()
	p.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping"}`+"\n", id))
	if r := p.recv(); string(r.ID) != fmt.Sprint(id) || r.Error != nil {
		p.t.Fatalf("ping %d answered %+v", id, r)
	}
}

// TestServeStdio: every bad input gets the right JSON-RPC error (or, for a
// message that needs none, nothing), and the loop keeps serving.
func TestServeStdio(t *testing.T) {
	const limit = 1024
	env := startGateway(t, HTTPOptions{}, "")
	p := startStdio(t, env.GW, StdioOptions{MaxMessageBytes: limit})
	// A ping padded to exactly n bytes.
	padded := func(id, n int) string {
		pre, post := fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"ping","params":{"pad":"`, id), `"}}`
		return pre + strings.Repeat("x", n-len(pre)-len(post)) + post
	}
	type tc struct {
		name string
		in   string // without the newline
		id   string // the error response's id; "" means no response
		code int    // 0: a result
	}
	common := []tc{
		{"garbage", `{not json`, "null", -32700},
		{"empty object", `{}`, "null", -32600},
		{"batch", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, "null", -32600},
		{"empty batch", `[]`, "null", -32600},
		{"wrong version", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, "null", -32600},
		{"duplicate key", `{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}`, "null", -32700},
		{"case-colliding key", `{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call"}`, "null", -32700},
		{"invalid UTF-8", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xffing\"}", "null", -32700},
		{"two values", `{"jsonrpc":"2.0","id":1,"method":"ping"} {"jsonrpc":"2.0","id":2,"method":"ping"}`, "null", -32700},
		{"oversize", padded(1, limit+1), "null", -32600},
		{"far oversize", padded(1, 200<<10), "null", -32600},
		{"at the limit", padded(42, limit), "42", 0},
		{"CRLF", `{"jsonrpc":"2.0","id":43,"method":"ping"}` + "\r", "43", 0},
		{"blank line", "   ", "", 0},
	}
	before := append([]tc{
		{"request before initialize", `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, "5", -32600},
		{"string id before initialize", `{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"demo__echo"}}`, `"x"`, -32600},
		{"notification before initialize", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, "", 0},
		{"response before initialize", `{"jsonrpc":"2.0","id":1,"result":{}}`, "", 0},
		{"ping before initialize", `{"jsonrpc":"2.0","id":6,"method":"ping"}`, "6", 0},
		{"initialize without params", `{"jsonrpc":"2.0","id":7,"method":"initialize"}`, "7", -32602},
	}, common...)
	after := append([]tc{
		{"second initialize", strings.TrimSpace(initBody(8, "2025-11-25")), "8", -32600},
		{"tool call", callBody("9", "demo__echo", `{"message":"hi"}`), "9", 0},
		{"unknown tool", callBody("10", "demo__nope", `{}`), "10", -32602},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`, "", 0},
		{"response to nothing", `{"jsonrpc":"2.0","id":"gw-1","result":{}}`, "", 0},
	}, common...)
	pingID := 1000
	run := func(phase string, cases []tc) {
		for _, c := range cases {
			t.Run(phase+"/"+c.name, func(t *testing.T) {
				p.t = t
				defer func() { p.t = nil }()
				p.send(c.in + "\n")
				if c.id != "" {
					r := p.recv()
					if string(r.ID) != c.id || r.code() != c.code {
						t.Fatalf("answered %+v (error %+v), want id %s code %d", r, r.Error, c.id, c.code)
					}
				}
				// The loop still serves, and nothing else was written.
				pingID++
				p.ping(pingID)
			})
		}
	}
	run("before", before)
	p.t = t
	p.send(initBody(1, "2025-11-25") + "\n")
	if r := p.recv(); string(r.ID) != "1" || r.Error != nil {
		t.Fatalf("initialize: %+v", r)
	}
	p.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}` + "\n")
	run("after", after)
}

// TestServeStdioContext: ServeStdio returns when its context is cancelled,
// even while the client keeps its input open.
func TestServeStdioContext(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	p := startStdio(t, env.GW, StdioOptions{})
	p.send(initBody(1, "2025-11-25") + "\n")
	p.recv()
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(waitTimeout):
		t.Fatal("ServeStdio ignored the cancellation of its context")
	}
	if p.err != nil {
		t.Errorf("ServeStdio = %v, want nil (a requested stop)", p.err)
	}
	poll(t, "session closed", func() bool { return env.GW.SessionCount() == 0 })
}

// TestServeStdioEOF: at the end of the input, calls in flight are still
// answered, then ServeStdio returns nil and the session ends.
func TestServeStdioEOF(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	p := startStdio(t, env.GW, StdioOptions{})
	p.send(initBody(1, "2025-11-25") + "\n")
	p.recv()
	// The last line has no newline: the end of the input ends it.
	in := callBody("2", "demo__sleep", `{"ms":200}`) + "\n" + callBody("3", "demo__echo", `{"message":"last"}`)
	go func() {
		_, _ = io.WriteString(p.in, in)
		_ = p.in.Close()
	}()
	got := map[string]string{}
	for range 2 {
		r := p.recv()
		got[string(r.ID)] = r.text()
	}
	if got["2"] != "slept" || got["3"] != "last" {
		t.Fatalf("answers %v", got)
	}
	select {
	case <-p.done:
		if p.err != nil {
			t.Fatalf("ServeStdio: %v", p.err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("ServeStdio did not return at EOF")
	}
	poll(t, "session closed", func() bool { return env.GW.SessionCount() == 0 })
	var found bool
	for _, ev := range env.eventsOf(t, "session.end") {
		if ev["transport"] == "stdio" {
			found = true
		}
	}
	if !found {
		t.Error("stdio session.end not audited")
	}
}

// TestServeStdioConcurrent: concurrent calls on one stdio session are each
// answered once, one message per line.
func TestServeStdioConcurrent(t *testing.T) {
	env := startGateway(t, HTTPOptions{}, "")
	p := startStdio(t, env.GW, StdioOptions{})
	p.send(initBody(1, "2025-11-25") + "\n")
	p.recv()
	const n = 50
	var b strings.Builder
	for i := range n {
		b.WriteString(callBody(fmt.Sprint(100+i), "demo__echo", fmt.Sprintf(`{"message":"m%d"}`, i)) + "\n")
	}
	p.send(b.String())
	seen := map[string]string{}
	var mu sync.Mutex
	for range n {
		r := p.recv()
		mu.Lock()
		if _, dup := seen[string(r.ID)]; dup {
			t.Fatalf("id %s answered twice", r.ID)
		}
		seen[string(r.ID)] = r.text()
		mu.Unlock()
	}
	for i := range n {
		if got := seen[fmt.Sprint(100+i)]; got != fmt.Sprintf("m%d", i) {
			t.Errorf("call %d answered %q", 100+i, got)
		}
	}
}

// FuzzReadLine: readLine never returns a message longer than the limit or
// more than one line, always ends, and when nothing was too long, the lines
// it returns are the input (but for a blank tail without a newline).
func FuzzReadLine(f *testing.F) {
	for _, s := range []string{
		"{\"jsonrpc\":\"2.0\"}\n",
		"a\r\nb\n\nc",
		strings.Repeat("x", 40) + "\n" + strings.Repeat("y", 10),
		"\n\n\n",
		"  \t",
		strings.Repeat("z", 100),
	} {
		f.Add([]byte(s), uint16(16))
		f.Add([]byte(s), uint16(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, lim uint16) {
		max := int(lim%512) + 1
		br := bufio.NewReaderSize(bytes.NewReader(in), 16) // the smallest buffer: many chunks
		var got []byte
		tooLong := false
		for n := 0; ; n++ {
			if n > len(in)+1 {
				t.Fatalf("more than %d lines from %d bytes", n, len(in))
			}
			line, err := readLine(br, max)
			if errors.Is(err, errLineTooLong) {
				tooLong = true
				continue
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("error %v", err)
				}
				break
			}
			if i := bytes.IndexByte(line, '\n'); i >= 0 && i != len(line)-1 {
				t.Fatalf("more than one line: %q", line)
			}
			content := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))
			if len(content) > max {
				t.Fatalf("a %d-byte message passed the %d-byte limit", len(content), max)
			}
			got = append(got, line...)
		}
		if !tooLong {
			rest := in[len(got):]
			if !bytes.HasPrefix(in, got) || len(bytes.TrimSpace(rest)) != 0 || bytes.IndexByte(rest, '\n') >= 0 {
				t.Fatalf("lines %q do not reassemble the input %q", got, in)
			}
		}
	})
}
