package gateway

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/egress"
	"github.com/mcpwarden/mcpwarden/internal/sandbox"
	"github.com/mcpwarden/mcpwarden/internal/ssrf"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Stderr lines of sandboxed servers become upstream.stderr audit events,
// at most stderrRate a second (burst stderrBurst) per server, each cut at
// stderrMaxLine bytes; lines over the rate are counted and the count is
// reported on the next event.
const (
	stderrRate    = 20
	stderrBurst   = 100
	stderrMaxLine = 1024
)

// sandboxes is the gateway's containment state: the private runtime
// directory (egress sockets, per-start state), the egress proxy, the calls
// in flight per sandboxed server (to attribute connections and stderr),
// and the stderr limiters.
type sandboxes struct {
	g      *Gateway
	once   sync.Once
	runDir string
	runErr error
	proxy  *egress.Proxy
	seq    atomic.Int64

	mu       sync.Mutex
	inflight map[string]map[string]string // server → correlation id → session id
	limiters map[string]*stderrLimiter
}

type stderrLimiter struct {
	lim     *rate.Limiter
	dropped atomic.Int64
}

func (g *Gateway) sbx() *sandboxes {
	g.sbxOnce.Do(func() {
		g.sandboxes = &sandboxes{g: g, inflight: map[string]map[string]string{}, limiters: map[string]*stderrLimiter{}}
	})
	return g.sandboxes
}

// dir is the private runtime directory (0700), made on first use.
func (x *sandboxes) dir() (string, error) {
	x.once.Do(func() {
		x.runDir, x.runErr = os.MkdirTemp("", "mcpwarden-run-")
		if x.runErr == nil {
			x.runErr = os.Chmod(x.runDir, 0o700)
		}
	})
	return x.runDir, x.runErr
}

// egressProxy is the proxy, made on first use.
func (x *sandboxes) egressProxy() *egress.Proxy {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.proxy == nil {
		cfg := x.g.cfg
		x.proxy = &egress.Proxy{
			Checker:   &ssrf.Checker{Resolver: net.DefaultResolver, AllowHosts: cfg.Policy.SSRF.AllowHosts},
			OnEvent:   x.egressEvent,
			Attribute: x.attribute,
		}
	}
	return x.proxy
}

// close stops the proxy and removes the runtime directory.
func (x *sandboxes) close() {
	if x == nil {
		return
	}
	x.mu.Lock()
	p := x.proxy
	x.mu.Unlock()
	if p != nil {
		p.Close()
	}
	if x.runDir != "" {
		_ = os.RemoveAll(x.runDir)
	}
}

// enter records a call in flight to a sandboxed server; the returned
// function ends it.
func (x *sandboxes) enter(server, session, correlation string) func() {
	x.mu.Lock()
	m := x.inflight[server]
	if m == nil {
		m = map[string]string{}
		x.inflight[server] = m
	}
	m[correlation] = session
	x.mu.Unlock()
	return func() {
		x.mu.Lock()
		delete(m, correlation)
		x.mu.Unlock()
	}
}

// attribute names the call in flight to server when exactly one is.
func (x *sandboxes) attribute(server string) (egress.Attribution, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	m := x.inflight[server]
	if len(m) != 1 {
		return egress.Attribution{}, false
	}
	for c, s := range m {
		return egress.Attribution{SessionID: s, CorrelationID: c}, true
	}
	return egress.Attribution{}, false
}

// egressEvent records one proxied connection.
func (x *sandboxes) egressEvent(e egress.Event) {
	ev := systemEvent(audit.TypeEgressConnect, e.Server)
	ev.SessionID, ev.CorrelationID = e.SessionID, e.CorrelationID
	ev.DurationMS = float64(e.Duration.Microseconds()) / 1000
	detail := map[string]any{"destination": e.Destination, "method": e.Method, "bytes_out": e.BytesOut, "bytes_in": e.BytesIn,
		"http_status": e.Status}
	if e.Address != "" {
		detail["address"] = e.Address
	}
	if e.SessionID == "" {
		detail["attribution"] = "unknown"
	}
	ev.Detail = detail
	if e.Decision == egress.Deny {
		ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "egress", Reason: e.Reason}
		ev.Status = audit.Status{Outcome: audit.OutcomeDenied, ErrorMessage: e.Reason}
	} else {
		ev.Decision = audit.Decision{Action: audit.ActionAllow, Guard: "egress"}
		if e.Err != "" {
			ev.Status = audit.Status{Outcome: audit.OutcomeError, ErrorMessage: e.Err}
		}
	}
	_ = x.g.emit(context.Background(), ev)
}

// stderr records one stderr line of a sandboxed server (rate-bounded).
func (x *sandboxes) stderr(server, line string) {
	x.mu.Lock()
	l := x.limiters[server]
	if l == nil {
		l = &stderrLimiter{lim: rate.NewLimiter(stderrRate, stderrBurst)}
		x.limiters[server] = l
	}
	x.mu.Unlock()
	if !l.lim.Allow() {
		l.dropped.Add(1)
		return
	}
	ev := systemEvent(audit.TypeUpstreamStderr, server)
	if a, ok := x.attribute(server); ok {
		ev.SessionID, ev.CorrelationID = a.SessionID, a.CorrelationID
	}
	d := map[string]any{}
	if len(line) > stderrMaxLine {
		cut := stderrMaxLine
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		line, d["truncated"] = line[:cut], true
	}
	d["line"] = line
	if n := l.dropped.Swap(0); n > 0 {
		d["dropped"] = n
	}
	ev.Detail = d
	_ = x.g.emit(context.Background(), ev)
}

// setupSandbox prepares a sandboxed command server: checks its grants on
// the host (they must exist; resolved, they must not expose the gateway's
// files or the user's secrets), opens its egress endpoint, and makes the
// dialer wrap each start.
func (g *Gateway) setupSandbox(sc *config.Server, d *upstream.StdioDialer, self string, extraRead ...string) error {
	x := g.sbx()
	read, write, err := hostGrants(g.cfg, sc)
	if err != nil {
		return err
	}
	// Paths the gateway itself provides (a pinned package's cache), read
	// only.
	read = append(read, extraRead...)
	rules, err := egress.ParseRules(sc.Egress)
	if err != nil {
		return fmt.Errorf("egress%w", err)
	}
	var egressDir, proxyAddr string
	if len(rules) > 0 {
		var ln net.Listener
		if sc.Sandbox == sandbox.KindLandlock {
			// Landlock shares the host's network namespace: the server
			// reaches the proxy on a loopback port (the only port Landlock
			// lets it connect to).
			ln, err = net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return fmt.Errorf("egress endpoint: %w", err)
			}
			proxyAddr = ln.Addr().String()
		} else {
			run, err := x.dir()
			if err != nil {
				return fmt.Errorf("sandbox runtime directory: %w", err)
			}
			egressDir = filepath.Join(run, "egress-"+sc.Name)
			if err := os.Mkdir(egressDir, 0o700); err != nil {
				return fmt.Errorf("egress endpoint: %w", err)
			}
			if ln, err = net.Listen("unix", filepath.Join(egressDir, "egress.sock")); err != nil {
				return fmt.Errorf("egress endpoint: %w", err)
			}
		}
		x.egressProxy().Serve(sc.Name, rules, ln)
	}
	self = selfPath(self)
	if r, err := filepath.EvalSymlinks(self); err == nil {
		self = r
	}
	d.Wrap = func(cmd *exec.Cmd) (func(), error) {
		after, spec, err := x.wrap(sc, cmd, self, read, write, extraRead, egressDir, proxyAddr)
		ev := systemEvent(audit.TypeSandboxStart, sc.Name)
		detail := map[string]any{"sandbox": sc.Sandbox, "read": read, "write": write, "egress": sc.Egress, "network": len(rules) > 0}
		if spec != nil {
			detail["command"] = spec.Command
		}
		ev.Detail = detail
		if err != nil {
			ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "sandbox", Reason: err.Error()}
			ev.Status = audit.Status{Outcome: audit.OutcomeError, ErrorMessage: err.Error()}
		}
		_ = g.emit(context.Background(), ev)
		return after, err
	}
	return nil
}

// wrap builds the sandbox spec for one start and applies it to cmd.
func (x *sandboxes) wrap(sc *config.Server, cmd *exec.Cmd, self string, read, write, extraRead []string, egressDir, proxyAddr string) (func(), *sandbox.Spec, error) {
	exe, err := sandbox.Resolve(cmd.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("sandbox: command %q: %w", sc.Command, err)
	}
	// Re-check the grants at every start: a granted path may have become
	// a symlink to somewhere else since the gateway started.
	if r2, w2, err := hostGrants(x.g.cfg, sc); err != nil {
		return nil, nil, err
	} else if !equal(append(r2, extraRead...), read) || !equal(w2, write) {
		return nil, nil, fmt.Errorf("sandbox: fs grants resolve elsewhere than at startup (a symlink changed); restart the gateway")
	}
	spec := &sandbox.Spec{Kind: sc.Sandbox, Server: sc.Name, Command: exe, Args: cmd.Args[1:], Env: cmd.Env, Dir: cmd.Dir,
		Read: read, Write: write, Self: self, EgressDir: egressDir, ProxyAddr: proxyAddr}
	if sc.Sandbox == sandbox.KindLandlock || sc.Sandbox == sandbox.KindRunsc {
		run, err := x.dir()
		if err != nil {
			return nil, spec, fmt.Errorf("sandbox runtime directory: %w", err)
		}
		spec.StateDir = filepath.Join(run, fmt.Sprintf("%s-%d", sc.Name, x.seq.Add(1)))
		if err := os.Mkdir(spec.StateDir, 0o700); err != nil {
			return nil, spec, err
		}
	}
	after, err := sandbox.Apply(spec, cmd)
	return after, spec, err
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// hostGrants resolves the server's grants on this host (they must exist)
// and checks the resolved paths against the gateway's own files, also
// resolved, and the user's home.
func hostGrants(cfg *config.Config, sc *config.Server) (read, write []string, err error) {
	if sc.FS == nil {
		return nil, nil, nil
	}
	home, _ := os.UserHomeDir()
	if h, err := filepath.EvalSymlinks(home); err == nil {
		home = h
	}
	protected := cfg.ProtectedPaths(cfg.ConfigFile)
	for k, p := range protected {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			protected[k] = r
		}
	}
	if run := os.TempDir(); run != "" {
		// Runtime directories of this and other gateways.
		if m, _ := filepath.Glob(filepath.Join(run, "mcpwarden-run-*")); len(m) > 0 {
			for i, d := range m {
				protected[fmt.Sprintf("a gateway runtime directory (%d)", i)] = d
			}
		}
	}
	resolve := func(kind string, list []string) ([]string, error) {
		var out []string
		for i, g := range list {
			r, err := filepath.EvalSymlinks(g)
			if err != nil {
				return nil, fmt.Errorf("fs.%s[%d]: %w", kind, i, err)
			}
			if err := sandbox.CheckGrant(r, protected, home); err != nil {
				return nil, fmt.Errorf("fs.%s[%d]: %w", kind, i, err)
			}
			out = append(out, r)
		}
		return out, nil
	}
	if read, err = resolve("read", sc.FS.Read); err != nil {
		return nil, nil, err
	}
	if write, err = resolve("write", sc.FS.Write); err != nil {
		return nil, nil, err
	}
	return read, write, nil
}
