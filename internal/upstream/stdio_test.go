package upstream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// stdioChild returns a dialer that runs this test binary in a child mode.
func stdioChild(mode string, opts Options) *StdioDialer {
	// GORACE: a race-enabled child would otherwise sleep 1s at exit.
	return &StdioDialer{Command: os.Args[0], Env: []string{childEnv + "=" + mode, "GORACE=atexit_sleep_ms=0"}, Opts: opts}
}

// lines collects stderr lines.
type lines struct {
	mu sync.Mutex
	l  []string
}

func (l *lines) add(s string) { l.mu.Lock(); l.l = append(l.l, s); l.mu.Unlock() }
func (l *lines) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Contains(l.l, s)
}

func dialStdio(t *testing.T, d *StdioDialer, col *collector) Conn {
	t.Helper()
	conn, err := d.Dial(context.Background(), col.handle)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func pidOf(t *testing.T, conn Conn) int {
	t.Helper()
	var pid int
	if _, err := fmt.Sscanf(conn.Info(), "stdio pid %d", &pid); err != nil {
		t.Fatalf("Info %q: %v", conn.Info(), err)
	}
	return pid
}

// gone reports whether pid no longer runs (absent, or a zombie nobody reaped).
func gone(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return os.IsNotExist(err)
	}
	// pid (comm) state ...
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i >= 0 && i+2 < len(s) && (s[i+2] == 'Z' || s[i+2] == 'X')
}

func send(t *testing.T, conn Conn, id, method, params string) {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":` + id + `,"method":"` + method + `"`
	if params != "" {
		body += `,"params":` + params
	}
	body += "}"
	if err := conn.Send(context.Background(), &Outgoing{Body: []byte(body), ID: json.RawMessage(id), Method: method}); err != nil {
		t.Fatalf("Send %s: %v", id, err)
	}
}

func TestStdioMessages(t *testing.T) {
	var stderr lines
	var mu sync.Mutex
	var invalid []error
	col := newCollector()
	d := stdioChild("server", Options{OnStderr: stderr.add, OnInvalid: func(err error) { mu.Lock(); invalid = append(invalid, err); mu.Unlock() }})
	if d.Kind() != "stdio" {
		t.Fatalf("Kind %q", d.Kind())
	}
	conn := dialStdio(t, d, col)
	if !strings.Contains(conn.Info(), os.Args[0]) {
		t.Errorf("Info %q", conn.Info())
	}
	cases := []struct {
		name, id, method, params string
		wantResult               string // a substring of the response
		check                    func(t *testing.T)
	}{
		{name: "request", id: "1", method: "echo", params: `{"a":[1,2,{"b":"c"}]}`, wantResult: `"params":{"a":[1,2,{"b":"c"}]}`},
		{name: "string id", id: `"req-2"`, method: "echo", wantResult: `"method":"echo"`},
		{name: "unicode and escapes", id: "3", method: "echo", params: `{"s":"line\nbreak \u2028 é \"q\""}`, wantResult: `"s":"line\nbreak \u2028 é \"q\""`},
		{name: "notification before the response", id: "4", method: "notify", wantResult: `"method":"notify"`, check: func(t *testing.T) {
			n := col.wait(t, "notification", func(r received) bool { return r.msg.Method == "notifications/message" })
			if n.msg.Kind != jsonrpc.KindNotification || n.related != nil {
				t.Errorf("notification %s related %q", n.msg.Raw, n.related)
			}
		}},
		{name: "invalid lines are dropped", id: "5", method: "garbage", wantResult: `"method":"garbage"`, check: func(t *testing.T) {
			mu.Lock()
			defer mu.Unlock()
			if len(invalid) != 2 {
				t.Errorf("OnInvalid told %d times (%v), want 2", len(invalid), invalid)
			}
		}},
		{name: "stderr", id: "6", method: "stderr", params: `{"line":"hello from stderr"}`, wantResult: `"method":"stderr"`, check: func(t *testing.T) {
			poll(t, "stderr line", func() bool { return stderr.has("hello from stderr") })
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			send(t, conn, tc.id, tc.method, tc.params)
			r := col.response(t, tc.id)
			if r.msg.Error != nil || !strings.Contains(string(r.msg.Result), tc.wantResult) {
				t.Fatalf("response %s, want %s", r.msg.Raw, tc.wantResult)
			}
			if r.related != nil {
				t.Errorf("related %q", r.related)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
	// A notification from the gateway gets no response; the child reports it.
	if err := conn.Send(context.Background(), &Outgoing{Body: initializedBody, Method: "notifications/initialized"}); err != nil {
		t.Fatal(err)
	}
	col.wait(t, "the child saw the notification", func(r received) bool {
		return r.msg.Method == "got-notification" && strings.Contains(string(r.msg.Params), "notifications/initialized")
	})
	if n := col.count(func(r received) bool { return r.msg.Method == "bad-line" }); n != 0 {
		t.Fatalf("the child received %d lines that were not JSON", n)
	}
}

// TestStdioFraming: whatever bytes a caller hands to Send, the child gets
// exactly one line per message. A message with line breaks in its
// whitespace (a client's pretty-printed JSON, forwarded as it came) must
// not reach a line-oriented server as several messages: the second line
// here would be a request the guards never saw.
func TestStdioFraming(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("server", Options{}), col)
	cases := []struct {
		name string
		body string
		id   string // "" for a notification
	}{
		{name: "LF whitespace", id: "1", body: "{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"method\": \"echo\",\n  \"params\": {\"x\": 1}\n}"},
		{name: "CRLF whitespace", id: "2", body: "{\r\n\"jsonrpc\":\"2.0\",\r\n\"id\":2,\"method\":\"echo\"}\r\n"},
		{name: "smuggled request in a notification", body: "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/x\",\"params\":{\"a\":\n{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"tools/call\",\"params\":{\"name\":\"delete_item\"}}\n}}"},
		{name: "smuggled request in a request", id: "3", body: "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"echo\",\"params\":{\"a\":\r\n{\"jsonrpc\":\"2.0\",\"id\":98,\"method\":\"tools/call\",\"params\":{}}\r\n}}"},
		{name: "trailing newline", id: "4", body: "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"echo\"}\n\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var id json.RawMessage
			if tc.id != "" {
				id = json.RawMessage(tc.id)
			}
			err := conn.Send(context.Background(), &Outgoing{Body: []byte(tc.body), ID: id})
			if err != nil {
				// Refusing the message is acceptable; splitting it is not.
				t.Logf("Send refused the message: %v", err)
			} else if tc.id != "" {
				if r := col.response(t, tc.id); r.msg.Error != nil {
					t.Fatalf("response %s", r.msg.Raw)
				}
			} else {
				col.wait(t, "the notification", func(r received) bool {
					return r.msg.Method == "got-notification" && strings.Contains(string(r.msg.Params), "notifications/x")
				})
			}
		})
	}
	// A ping flushes: everything sent before it has been read by the child.
	send(t, conn, "100", "echo", "")
	col.response(t, "100")
	for _, id := range []string{"99", "98"} {
		if n := col.count(func(r received) bool { return string(r.msg.ID) == id }); n != 0 {
			t.Errorf("the child ran the smuggled request %s", id)
		}
	}
	if n := col.count(func(r received) bool { return r.msg.Method == "bad-line" }); n != 0 {
		msgs, _ := col.snapshot()
		t.Errorf("the child received %d partial lines: %s", n, describe(msgs))
	}
}

// TestStdioOversize: a line longer than MaxMessageBytes is dropped without
// harm, whatever its size relative to the read buffer, and the messages
// after it are delivered.
func TestStdioOversize(t *testing.T) {
	const limit = 4096
	var mu sync.Mutex
	var warnings int
	col := newCollector()
	conn := dialStdio(t, stdioChild("server", Options{MaxMessageBytes: limit, OnInvalid: func(error) { mu.Lock(); warnings++; mu.Unlock() }}), col)
	cases := []struct {
		n         int
		delivered bool
	}{
		{n: 100, delivered: true},
		{n: limit - 1, delivered: true},
		{n: limit, delivered: true},
		{n: limit + 1},
		{n: 3 * limit},
		{n: 64<<10 - 1},
		{n: 64 << 10},
		{n: 64<<10 + 1},
		{n: 1 << 20},
		{n: 5<<20 + 17},
	}
	for i, tc := range cases {
		t.Run(strconv.Itoa(tc.n), func(t *testing.T) {
			id := strconv.Itoa(i + 1)
			before := col.count(func(r received) bool { return r.msg.Method == "big" })
			send(t, conn, id, "oversize", fmt.Sprintf(`{"n":%d}`, tc.n))
			if r := col.response(t, id); r.msg.Error != nil {
				t.Fatalf("response %s", r.msg.Raw)
			}
			got := col.count(func(r received) bool { return r.msg.Method == "big" }) - before
			if tc.delivered && got != 1 {
				t.Fatalf("a %d-byte message (limit %d) was dropped", tc.n, limit)
			}
			if !tc.delivered && got != 0 {
				t.Fatalf("a %d-byte message (limit %d) was delivered", tc.n, limit)
			}
			for _, r := range func() []received { m, _ := col.snapshot(); return m }() {
				if len(r.msg.Raw) > limit {
					t.Fatalf("delivered a %d-byte message", len(r.msg.Raw))
				}
			}
		})
	}
	if isClosed(conn.Done()) {
		t.Fatal("the connection died")
	}
	mu.Lock()
	defer mu.Unlock()
	if warnings != 0 {
		t.Errorf("oversize lines reached the parser %d times", warnings)
	}
}

// TestStdioExit: a process that exits fails the requests in flight with a
// synthesized -32011, after delivering what it wrote before exiting.
func TestStdioExit(t *testing.T) {
	cases := []struct {
		name   string
		method string
		// the response to request 1 is the server's own, not synthesized
		answered bool
	}{
		{name: "exit without answering", method: "exit"},
		{name: "answer then exit", method: "answer-exit", answered: true},
		{name: "answer without newline then exit", method: "answer-exit-no-newline", answered: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			col := newCollector()
			conn := dialStdio(t, stdioChild("server", Options{}), col)
			send(t, conn, "1", tc.method, "")
			r := col.response(t, "1")
			if tc.answered {
				if r.msg.Error != nil || !strings.Contains(string(r.msg.Result), tc.method) {
					t.Fatalf("got %s, want the server's answer", r.msg.Raw)
				}
			} else if errCode(r.msg) != jsonrpc.CodeUpstreamUnavailable {
				t.Fatalf("got %s, want -32011", r.msg.Raw)
			}
			waitClosed(t, "Done", conn.Done())
			if err := conn.Err(); err == nil || !strings.Contains(err.Error(), "exited") {
				t.Fatalf("Err = %v", err)
			}
			if n := col.count(func(r received) bool { return string(r.msg.ID) == "1" }); n != 1 {
				t.Fatalf("request answered %d times", n)
			}
			body := []byte(`{"jsonrpc":"2.0","id":2,"method":"echo"}`)
			if err := conn.Send(context.Background(), &Outgoing{Body: body, ID: json.RawMessage("2")}); !errors.Is(err, ErrClosed) {
				t.Fatalf("Send after exit = %v", err)
			}
		})
	}
}

// TestStdioKilled: every request in flight when the process dies gets one
// -32011 response.
func TestStdioKilled(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("wedged", Options{}), col)
	ids := []string{"1", "2", `"three"`}
	for _, id := range ids {
		send(t, conn, id, "echo", "")
	}
	if err := syscall.Kill(pidOf(t, conn), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		r := col.response(t, id)
		if errCode(r.msg) != jsonrpc.CodeUpstreamUnavailable || r.msg.Error.Message == "" {
			t.Fatalf("request %s: %s", id, r.msg.Raw)
		}
	}
	waitClosed(t, "Done", conn.Done())
	if err := conn.Err(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Err = %v", err)
	}
}

// TestStdioClose: Close closes stdin, then escalates to SIGTERM and SIGKILL
// of the whole process group, and always returns with the process gone.
func TestStdioClose(t *testing.T) {
	cases := []struct {
		mode string
		// stderr line proving the signal the child saw, if any
		stderr string
	}{
		{mode: "server"},
		{mode: "ignore-eof", stderr: "got SIGTERM"},
		{mode: "ignore-term", stderr: "SIGTERM ignored"},
		{mode: "group", stderr: "SIGTERM ignored"},
	}
	for _, tc := range cases {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			var stderr lines
			col := newCollector()
			conn := dialStdio(t, stdioChild(tc.mode, Options{OnStderr: stderr.add}), col)
			pid := pidOf(t, conn)
			// An answer proves the child's signal handling is in place.
			send(t, conn, "1", "echo", "")
			col.response(t, "1")
			grandchild := 0
			if tc.mode == "group" {
				n := col.wait(t, "grandchild pid", func(r received) bool { return r.msg.Method == "grandchild" })
				var p struct{ Pid int }
				_ = json.Unmarshal(n.msg.Params, &p)
				grandchild = p.Pid
				if grandchild == 0 || gone(grandchild) {
					t.Fatalf("no running grandchild: %s", n.msg.Raw)
				}
			}
			closed := make(chan error, 1)
			go func() { closed <- conn.Close() }()
			select {
			case err := <-closed:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(waitTimeout):
				t.Fatal("Close did not return")
			}
			if !isClosed(conn.Done()) {
				t.Fatal("Done is open after Close returned")
			}
			if !errors.Is(conn.Err(), ErrClosed) {
				t.Errorf("Err = %v, want ErrClosed", conn.Err())
			}
			if !gone(pid) {
				t.Errorf("process %d still runs", pid)
			}
			if tc.stderr != "" {
				poll(t, "stderr "+tc.stderr, func() bool { return stderr.has(tc.stderr) })
			}
			if grandchild != 0 {
				poll(t, "grandchild gone", func() bool { return gone(grandchild) })
			}
			if err := conn.Close(); err != nil {
				t.Errorf("second Close: %v", err)
			}
		})
	}
}

// TestStdioSendHonoursContext: a child that stops reading its input must
// not hold a caller (nor the callers queued behind it) in Send past their
// contexts. A message cut short leaves the pipe unusable, so the child is
// then killed; the failed request gets no second answer.
func TestStdioSendHonoursContext(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("wedged", Options{}), col)
	sc := conn.(*stdioConn)
	// A caller queued behind a write in progress gives up on its own.
	sc.wsem <- struct{}{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	err := conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":2,"method":"echo"}`), ID: json.RawMessage("2"), Method: "echo"})
	cancel()
	<-sc.wsem
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued Send = %v, want its context's error", err)
	}
	sc.mu.Lock()
	pending := len(sc.pending)
	sc.mu.Unlock()
	if pending != 0 {
		t.Fatalf("a request whose Send failed is still pending")
	}
	// Larger than any pipe buffer: the write blocks part-way.
	big := []byte(`{"jsonrpc":"2.0","id":1,"method":"echo","params":{"pad":"` + strings.Repeat("x", 4<<20) + `"}}`)
	for timeout := 200 * time.Millisecond; ; timeout *= 2 {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		errc := make(chan error, 1)
		go func() { errc <- conn.Send(ctx, &Outgoing{Body: big, ID: json.RawMessage("1"), Method: "echo"}) }()
		select {
		case err = <-errc:
		case <-time.After(waitTimeout):
			t.Fatal("Send blocked past its context on a child that does not read")
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break // the write started and was cut short
		}
		// On a loaded machine the context may end before the write
		// starts; nothing was written then. Try again, longer.
		if !errors.Is(err, context.DeadlineExceeded) || timeout > waitTimeout {
			t.Fatalf("Send of a message the child never read = %v", err)
		}
	}
	waitClosed(t, "the wedged child killed", conn.Done())
	if err := conn.Err(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Err = %v", err)
	}
	for _, id := range []string{"1", "2"} {
		if n := col.count(func(r received) bool { return string(r.msg.ID) == id }); n != 0 {
			t.Fatalf("request %s whose Send failed was answered %d times", id, n)
		}
	}
}

// TestStdioSendDeadlineRecovers: a Send that gave up before writing
// anything leaves the connection usable.
func TestStdioSendDeadlineRecovers(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("server", Options{}), col)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := conn.Send(ctx, &Outgoing{Body: []byte(`{"jsonrpc":"2.0","id":1,"method":"echo"}`), ID: json.RawMessage("1")}); err != nil {
		t.Logf("Send with a cancelled context: %v", err)
	}
	// Whether or not it went out, the next message is framed correctly.
	for i := 2; i < 20; i++ {
		send(t, conn, strconv.Itoa(i), "echo", "")
		col.response(t, strconv.Itoa(i))
	}
	if n := col.count(func(r received) bool { return r.msg.Method == "bad-line" }); n != 0 {
		t.Fatalf("%d broken lines", n)
	}
}

func TestStdioConcurrentSend(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("server", Options{}), col)
	const n = 64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			send(t, conn, strconv.Itoa(i), "echo", fmt.Sprintf(`{"i":%d,"pad":"%s"}`, i, strings.Repeat("p", i*512)))
		}()
	}
	wg.Wait()
	for i := range n {
		r := col.response(t, strconv.Itoa(i))
		if !strings.Contains(string(r.msg.Result), fmt.Sprintf(`"i":%d,`, i)) {
			t.Fatalf("request %d answered %s", i, r.msg.Raw)
		}
	}
	if n := col.count(func(r received) bool { return r.msg.Method == "bad-line" }); n != 0 {
		t.Fatalf("%d interleaved lines", n)
	}
}

func TestStdioEnvAndDir(t *testing.T) {
	dir := t.TempDir()
	col := newCollector()
	d := stdioChild("server", Options{})
	d.Env = append(d.Env, "ONLY_THIS=1")
	d.Dir = dir
	conn := dialStdio(t, d, col)
	send(t, conn, "1", "env", "")
	var env struct{ Env []string }
	_ = json.Unmarshal(col.response(t, "1").msg.Result, &env)
	slices.Sort(env.Env)
	if want := []string{"GORACE=atexit_sleep_ms=0", childEnv + "=server", "ONLY_THIS=1"}; !slices.Equal(env.Env, want) {
		t.Errorf("child environment %q, want exactly %q", env.Env, want)
	}
	send(t, conn, "2", "pwd", "")
	var wd struct{ Dir string }
	_ = json.Unmarshal(col.response(t, "2").msg.Result, &wd)
	want, _ := filepath.EvalSymlinks(dir)
	if got, _ := filepath.EvalSymlinks(wd.Dir); got != want {
		t.Errorf("child dir %q, want %q", wd.Dir, dir)
	}
}

func TestStdioDialError(t *testing.T) {
	_, err := (&StdioDialer{Command: filepath.Join(t.TempDir(), "no-such-server")}).Dial(context.Background(), func(*jsonrpc.Message, json.RawMessage) {})
	if err == nil {
		t.Fatal("Dial of a missing command succeeded")
	}
}

func TestEnvList(t *testing.T) {
	t.Setenv("PATH", "/usr/bin:/bin")
	t.Setenv("HOME", "/home/test")
	t.Setenv("MCPWARDEN_TEST_SECRET", "s3cret")
	cases := []struct {
		name  string
		extra map[string]string
		order []string
		want  []string
	}{
		{name: "basics only", want: []string{"PATH=/usr/bin:/bin", "HOME=/home/test"}},
		{name: "extra appended in order", extra: map[string]string{"B": "2", "A": "1"}, order: []string{"B", "A"}, want: []string{"PATH=/usr/bin:/bin", "HOME=/home/test", "B=2", "A=1"}},
		{name: "extra overrides a basic", extra: map[string]string{"PATH": "/opt/bin"}, order: []string{"PATH"}, want: []string{"HOME=/home/test", "PATH=/opt/bin"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := EnvList(tc.extra, tc.order)
			for _, kv := range got {
				if strings.HasPrefix(kv, "MCPWARDEN_TEST_SECRET=") {
					t.Fatalf("the gateway's environment leaked: %q", got)
				}
			}
			// Other basics (USER, LANG...) may be set on this machine.
			var filtered []string
			for _, kv := range got {
				k, _, _ := strings.Cut(kv, "=")
				if k == "PATH" || k == "HOME" || tc.extra[k] != "" {
					filtered = append(filtered, kv)
				}
			}
			if !slices.Equal(filtered, tc.want) {
				t.Fatalf("EnvList = %q, want %q", filtered, tc.want)
			}
		})
	}
}

// TestStdioLastWords: what a server writes just before it exits, on stderr
// (why it stopped, audited as upstream.stderr) and on stdout, is all
// delivered: the process's exit does not close the pipes under the
// readers. The stderr consumer is slow, so the server exits while its
// last lines still sit in the pipe.
func TestStdioLastWords(t *testing.T) {
	for run := range 3 {
		var stderr lines
		slow := func(s string) { time.Sleep(20 * time.Microsecond); stderr.add(s) }
		col := newCollector()
		conn := dialStdio(t, stdioChild("last-words", Options{OnStderr: slow}), col)
		select {
		case <-conn.Done():
		case <-time.After(waitTimeout):
			t.Fatal("the server did not exit")
		}
		col.wait(t, "the notification written before exit", func(r received) bool { return r.msg.Method == "notifications/message" })
		poll(t, "the last stderr line", func() bool { return stderr.has("last words 499 " + strings.Repeat("-", 500)) })
		stderr.mu.Lock()
		n := len(stderr.l)
		stderr.mu.Unlock()
		if n != 500 {
			t.Fatalf("run %d: %d stderr lines, want 500", run, n)
		}
		conn.Close()
	}
}

// TestStdioOrphanHoldsPipes: a server that exits while a descendant it
// detached still holds its stdout and stderr is reported gone after the
// short grace, not when the descendant ends.
func TestStdioOrphanHoldsPipes(t *testing.T) {
	col := newCollector()
	conn := dialStdio(t, stdioChild("orphan", Options{OnStderr: func(string) {}}), col)
	n := col.wait(t, "grandchild pid", func(r received) bool { return r.msg.Method == "grandchild" })
	var p struct{ Pid int }
	_ = json.Unmarshal(n.msg.Params, &p)
	if p.Pid == 0 {
		t.Fatalf("no grandchild: %s", n.msg.Raw)
	}
	t.Cleanup(func() { _ = syscall.Kill(p.Pid, syscall.SIGKILL) })
	start := time.Now()
	select {
	case <-conn.Done():
	case <-time.After(waitTimeout):
		t.Fatal("Done stayed open while the orphan held the pipes")
	}
	if d := time.Since(start); d > 6*time.Second {
		t.Fatalf("Done took %v, want the 2 s grace", d)
	}
	conn.Close()
}
