package upstream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// StdioDialer spawns a server as a child process speaking newline-delimited
// JSON-RPC on stdin/stdout. Each Dial is one process, one session.
type StdioDialer struct {
	Command string
	Args    []string
	// Env is the complete environment of the child (the caller decides
	// what to pass through; secrets resolved already).
	Env []string
	// EnvFunc, if set, gives the environment at each Dial instead of Env
	// (a rotated secret reaches the next process started).
	EnvFunc func() ([]string, error)
	Dir     string
	Opts    Options
	// Wrap, if set, rewrites the command before it starts (a sandbox,
	// see package sandbox); the function it returns runs after the
	// process has exited.
	Wrap func(cmd *exec.Cmd) (func(), error)
}

// Kind implements Dialer.
func (d *StdioDialer) Kind() string { return "stdio" }

// Dial starts the process.
func (d *StdioDialer) Dial(ctx context.Context, h Handler) (Conn, error) {
	cmd := exec.Command(d.Command, d.Args...)
	cmd.Env = d.Env
	if d.EnvFunc != nil {
		env, err := d.EnvFunc()
		if err != nil {
			return nil, err
		}
		cmd.Env = env
	}
	cmd.Dir = d.Dir
	var after func()
	if d.Wrap != nil {
		var err error
		if after, err = d.Wrap(cmd); err != nil {
			return nil, fmt.Errorf("start %s: %w", d.Command, err)
		}
	}
	// Own process group, so the whole tree (npx → node) is stopped together.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	// Our own pipes for stdout and stderr, not cmd.StdoutPipe: Wait
	// closes those as soon as the process exits, which loses what the
	// server wrote last (its last answers, the stderr lines that say why
	// it stopped) when the readers have not got to it yet.
	stdout, outW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		return nil, err
	}
	stderr, errW, err := os.Pipe()
	if err != nil {
		stdin.Close()
		stdout.Close()
		outW.Close()
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	// the child has its copies; ours must go, so that the readers see EOF
	// when the child (and any descendant holding them) is gone
	outW.Close()
	errW.Close()
	if err != nil {
		stdin.Close()
		stdout.Close()
		stderr.Close()
		if after != nil {
			after()
		}
		return nil, fmt.Errorf("start %s: %w", d.Command, err)
	}
	c := &stdioConn{after: after,
		cmd: cmd, stdin: stdin, h: h, done: make(chan struct{}), wsem: make(chan struct{}, 1),
		pending: map[string]struct{}{}, opts: &d.Opts, readDone: make(chan struct{}), stderrDone: make(chan struct{}),
		stdout: stdout, stderr: stderr,
		info: fmt.Sprintf("stdio pid %d (%s)", cmd.Process.Pid, d.Command),
	}
	go c.readStderr(stderr)
	go c.readLoop(stdout)
	go c.wait()
	return c, nil
}

type stdioConn struct {
	cmd   *exec.Cmd
	after func() // Wrap's clean-up, after exit
	stdin io.WriteCloser
	h     Handler
	opts  *Options
	info  string

	wsem chan struct{} // serializes writes (a semaphore, so waiting honours ctx)

	mu      sync.Mutex
	pending map[string]struct{} // ids of requests awaiting a response
	err     error
	done    chan struct{}
	closed  bool
	// readDone is closed when stdout is drained, so responses written just
	// before exit are delivered before in-flight requests are failed;
	// stderrDone when stderr is.
	readDone, stderrDone chan struct{}
	stdout, stderr       *os.File // the read ends, closed by wait
}

func (c *stdioConn) Info() string { return c.info }

func (c *stdioConn) Send(ctx context.Context, m *Outgoing) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	// One message per line: line breaks in a message's whitespace (a
	// client's pretty-printed JSON forwarded as it came) would reach a
	// line-oriented server as several messages, the later ones unguarded.
	// Compacting removes them; valid JSON has none inside strings.
	body := m.Body
	if bytes.ContainsAny(body, "\r\n") {
		var cb bytes.Buffer
		if err := json.Compact(&cb, body); err != nil {
			return fmt.Errorf("%s: message is not valid JSON: %w", c.info, err)
		}
		body = cb.Bytes()
	}
	if m.ID != nil {
		c.mu.Lock()
		c.pending[string(m.ID)] = struct{}{}
		c.mu.Unlock()
	}
	forget := func() {
		if m.ID != nil {
			c.mu.Lock()
			delete(c.pending, string(m.ID))
			c.mu.Unlock()
		}
	}
	select {
	case c.wsem <- struct{}{}:
	case <-ctx.Done():
		forget()
		return fmt.Errorf("%s: write: %w", c.info, ctx.Err())
	case <-c.done:
		forget()
		return ErrClosed
	}
	defer func() { <-c.wsem }()
	buf := make([]byte, 0, len(body)+1)
	buf = append(buf, body...)
	buf = append(buf, '\n')
	// A child that stops reading its input must not hold the caller past
	// its context: the write gives up at a deadline set when ctx ends.
	// (StdinPipe is an *os.File, a pollable pipe.)
	stop := func() bool { return true }
	fired := make(chan struct{})
	dl, ok := c.stdin.(interface{ SetWriteDeadline(time.Time) error })
	if ok {
		stop = context.AfterFunc(ctx, func() {
			_ = dl.SetWriteDeadline(time.Unix(1, 0))
			close(fired)
		})
	}
	n, err := c.stdin.Write(buf)
	if !stop() {
		<-fired
		_ = dl.SetWriteDeadline(time.Time{})
	}
	if err != nil {
		forget()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if n == 0 && ctx.Err() != nil {
				// ctx ended before the write began: nothing was sent,
				// the connection is intact; the caller gave up.
				return fmt.Errorf("%s: write: %w", c.info, ctx.Err())
			}
			// Part of a line is in the pipe: framing is lost for good.
			c.opts.logger().Warn("upstream stopped reading its input; killing it", "conn", c.info)
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		}
		return fmt.Errorf("%s: write: %w", c.info, err)
	}
	return nil
}

func (c *stdioConn) readLoop(r io.Reader) {
	defer close(c.readDone)
	br := bufio.NewReaderSize(r, 64<<10)
	max := c.opts.maxMsg()
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		// The limit is on the message, not its line terminator.
		size := len(line) + len(chunk)
		if err == nil {
			size = len(line) + len(bytes.TrimSuffix(bytes.TrimSuffix(chunk, []byte("\n")), []byte("\r")))
		}
		if size > max {
			c.opts.logger().Warn("upstream message too large; dropping", "conn", c.info, "limit", max)
			// Skip the rest of the line.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			line = line[:0]
			if err != nil {
				return
			}
			continue
		}
		line = append(line, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		msg := bytes.TrimSpace(line)
		if len(msg) > 0 {
			c.deliver(msg)
		}
		line = line[:0]
		if err != nil {
			return
		}
	}
}

func (c *stdioConn) deliver(msg []byte) {
	m := c.opts.parse(append([]byte(nil), msg...))
	if m == nil {
		return
	}
	// Track responses so in-flight requests can be failed on exit.
	if m.Kind == jsonrpc.KindResponse {
		c.mu.Lock()
		delete(c.pending, string(m.ID))
		c.mu.Unlock()
	}
	c.h(m, nil)
}

func (c *stdioConn) readStderr(r io.Reader) {
	defer close(c.stderrDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if c.opts.OnStderr != nil {
			c.opts.OnStderr(sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		// a line over 1 MiB: say so, and keep draining, or the server
		// blocks on a full pipe
		if c.opts.OnStderr != nil {
			c.opts.OnStderr("[mcpwarden: stderr unreadable (" + err.Error() + "); the rest of it was discarded]")
		}
		_, _ = io.Copy(io.Discard, r)
	}
}

func (c *stdioConn) wait() {
	err := c.cmd.Wait()
	if c.after != nil {
		c.after()
	}
	// Give the readers a moment to deliver what the process wrote; a
	// descendant that still holds the pipes does not keep them open past
	// that.
	grace := time.NewTimer(2 * time.Second)
	defer grace.Stop()
	for _, ch := range []chan struct{}{c.readDone, c.stderrDone} {
		select {
		case <-ch:
		case <-grace.C:
			// the grace is over for both (a one-shot channel must not be
			// waited on twice)
			grace.Reset(0)
		}
	}
	c.stdout.Close()
	c.stderr.Close()
	c.mu.Lock()
	if c.closed {
		c.err = ErrClosed
	} else if err != nil {
		c.err = fmt.Errorf("%s exited: %w", c.info, err)
	} else {
		c.err = fmt.Errorf("%s exited", c.info)
	}
	ids := make([]string, 0, len(c.pending))
	for id := range c.pending {
		ids = append(ids, id)
	}
	c.pending = map[string]struct{}{}
	cerr := c.err
	close(c.done)
	c.mu.Unlock()
	for _, id := range ids {
		c.h(errorResponse([]byte(id), jsonrpc.CodeUpstreamUnavailable, "upstream server exited: "+cerr.Error()), nil)
	}
}

func (c *stdioConn) Done() <-chan struct{} { return c.done }

func (c *stdioConn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes stdin (the MCP stdio shutdown), then escalates to SIGTERM
// and SIGKILL of the process group.
func (c *stdioConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	_ = c.stdin.Close()
	select {
	case <-c.done:
		return nil
	case <-time.After(2 * time.Second):
	}
	pgid := -c.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	select {
	case <-c.done:
		return nil
	case <-time.After(3 * time.Second):
	}
	_ = syscall.Kill(pgid, syscall.SIGKILL)
	<-c.done
	return nil
}

// EnvList builds a child environment: PATH and HOME-like basics from the
// gateway's own environment plus the configured variables. Nothing else of
// the gateway's environment (which may hold secrets) is inherited.
func EnvList(extra map[string]string, order []string) []string {
	env := []string{}
	for _, k := range []string{"PATH", "HOME", "USER", "LANG", "TMPDIR", "NODE_OPTIONS", "NPM_CONFIG_CACHE", "npm_config_cache", "XDG_CACHE_HOME", "SYSTEMROOT"} {
		if v, ok := os.LookupEnv(k); ok {
			if _, override := extra[k]; !override {
				env = append(env, k+"="+v)
			}
		}
	}
	for _, k := range order {
		env = append(env, k+"="+extra[k])
	}
	return env
}
