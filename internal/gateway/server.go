package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/tlsconf"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// server is one configured upstream: how to reach it, its catalog (what it
// lists), and the gateway's own session with it. In shared mode that
// session also carries every client's calls; in per-client mode it only
// keeps the catalog current and each client session dials its own.
type server struct {
	g              *Gateway
	name           string
	prefix         string
	cfg            *config.Server
	dialer         upstream.Dialer
	shared         bool
	perUser        bool       // reached only with a user's credentials: no gateway session
	lastFetch      time.Time  // last on-demand listing for an unknown tool (guarded by mu)
	fetchMu        sync.Mutex // one on-demand listing at a time
	timeout        time.Duration
	connectTimeout time.Duration
	backoff0       time.Duration
	backoffMax     time.Duration

	mu        sync.Mutex
	main      *upSession
	connected chan struct{} // closed and replaced when main becomes available
	initRes   *initResult
	catalog   map[string]map[string]*entry // kind ("tool","prompt","template") → name → entry
	resources map[string]bool              // resource URIs listed
	templates []string                     // uriTemplates listed
	closing   bool
	restarts  int
	// changeGen counts list_changed notifications; listedGen is the count
	// the last complete relisting started after. The catalog is stale
	// while listedGen < changeGen.
	changeGen atomic.Int64
	listedGen atomic.Int64

	// The revision the server speaks, as probed (upmodern.go): eraMu
	// guards era ("" unknown, eraLegacy, eraModern) and discovered (the
	// last server/discover result of a modern server).
	eraMu      sync.Mutex
	era        string
	discovered *initResult
}

// stale reports whether the server said its lists changed after the
// catalog was last filled.
func (s *server) stale() bool { return s.listedGen.Load() < s.changeGen.Load() }

type entry struct {
	def  json.RawMessage
	hash string
}

type initResult struct {
	ProtocolVersion string                     `json:"protocolVersion"`
	Capabilities    map[string]json.RawMessage `json:"capabilities"`
	ServerInfo      json.RawMessage            `json:"serverInfo"`
	Instructions    string                     `json:"instructions"`
}

func newServer(g *Gateway, sc *config.Server, opts Options) (*server, error) {
	s := &server{
		g: g, name: sc.Name, cfg: sc, shared: sc.Sessions != config.SessionsPerClient,
		timeout: sc.Timeout.D(), connectTimeout: sc.ConnectTimeout.D(),
		backoff0: sc.Restart.InitialBackoff.D(), backoffMax: sc.Restart.MaxBackoff.D(),
		connected: make(chan struct{}),
		catalog:   map[string]map[string]*entry{"tool": {}, "prompt": {}, "template": {}},
		resources: map[string]bool{},
	}
	if sc.Prefix != nil {
		s.prefix = *sc.Prefix
	} else {
		s.prefix = sc.Name
	}
	if s.timeout <= 0 {
		s.timeout = 60 * time.Second
	}
	if s.connectTimeout <= 0 {
		s.connectTimeout = 30 * time.Second
	}
	if s.backoff0 <= 0 {
		s.backoff0 = 500 * time.Millisecond
	}
	if s.backoffMax < s.backoff0 {
		s.backoffMax = 30 * time.Second
	}
	if d, ok := opts.Dialers[sc.Name]; ok {
		s.dialer = d
		return s, nil
	}
	uopts := upstream.Options{
		Logger: g.log.With("server", sc.Name),
		OnStderr: func(line string) {
			for _, sec := range g.secrets {
				if len(sec) >= 6 {
					line = strings.ReplaceAll(line, sec, "[REDACTED]")
				}
			}
			g.log.Debug("upstream stderr", "server", sc.Name, "line", line)
			if sc.Sandboxed() {
				g.sbx().stderr(sc.Name, line)
			}
		},
		OnInvalid: func(err error) {
			ev := systemEvent(audit.TypeProtocolError, sc.Name)
			ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "parser", Reason: "invalid message from upstream dropped: " + err.Error()}
			ev.Status = audit.Status{Outcome: audit.OutcomeError}
			_ = g.emit(context.Background(), ev)
		},
	}
	switch {
	case sc.Command != "":
		cmd := sc.Command
		if cmd == config.SelfCommand {
			cmd = selfPath(opts.SelfPath)
		}
		// The environment is resolved at each start, so a rotated secret
		// reaches the next process; resolved once now to fail early.
		envOf := func() ([]string, error) {
			env := map[string]string{}
			for _, k := range sc.Env.Keys {
				v, err := sc.Env.Values[k].Resolve()
				if err != nil {
					return nil, fmt.Errorf("env.%s: %w", k, err)
				}
				env[k] = v
			}
			return upstream.EnvList(env, sc.Env.Keys), nil
		}
		if _, err := envOf(); err != nil {
			return nil, err
		}
		for _, k := range sc.Env.Keys {
			if v := sc.Env.Values[k]; v.IsRef() {
				s, _ := v.Resolve()
				g.secrets = append(g.secrets, s)
			}
		}
		// Supply chain: a pinned npm package runs from the verified cache
		// (readable inside a sandbox, like the command itself).
		cmd, args, checkPkg, pkgDirs, err := g.packageLaunch(sc, cmd, opts)
		if err != nil {
			return nil, err
		}
		sd := &upstream.StdioDialer{Command: cmd, Args: args, EnvFunc: envOf, Dir: sc.Dir, Opts: uopts}
		if sc.Sandboxed() {
			if err := g.setupSandbox(sc, sd, opts.SelfPath, pkgDirs...); err != nil {
				return nil, err
			}
		}
		s.dialer = sd
		if checkPkg != nil {
			s.dialer = &checkedDialer{Dialer: s.dialer, check: checkPkg}
		}
	default:
		h := http.Header{}
		for _, k := range sc.Headers.Keys {
			v, err := sc.Headers.Values[k].Resolve()
			if err != nil {
				return nil, fmt.Errorf("headers.%s: %w", k, err)
			}
			h.Set(k, v)
			if sc.Headers.Values[k].IsRef() {
				g.secrets = append(g.secrets, v)
			}
		}
		// References are read (from the resolver's cache) for each
		// request, so a rotated credential is used without a new session.
		var hf func() http.Header
		if slices.ContainsFunc(sc.Headers.Keys, func(k string) bool { return sc.Headers.Values[k].IsRef() }) {
			hf = func() http.Header {
				h := http.Header{}
				for _, k := range sc.Headers.Keys {
					if v, err := sc.Headers.Values[k].Resolve(); err == nil {
						h.Set(k, v)
					}
				}
				return h
			}
		}
		tc, err := tlsconf.Upstream(sc.TLS)
		if err != nil {
			return nil, err
		}
		uopts.TLS = tc
		if sc.Transport == config.TransportSSE {
			s.dialer = &upstream.SSEDialer{URL: sc.URL, Headers: h, HeaderFunc: hf, Opts: uopts}
		} else {
			cr := opts.Credentials[sc.Name]
			s.dialer = &upstream.StreamableDialer{URL: sc.URL, Headers: h, HeaderFunc: hf, Opts: uopts, Credentials: cr}
			s.perUser = cr != nil
		}
	}
	return s, nil
}

// start dials the main session once, then keeps it alive in the background.
func (s *server) start(ctx context.Context) {
	if s.perUser {
		return // no gateway-wide session: each user's session connects with their credentials
	}
	err := s.connect(ctx)
	if err != nil {
		s.g.log.Warn("upstream unavailable; retrying in background", "server", s.name, "err", err)
	}
	go s.supervise()
}

// connect dials and initializes the main session.
func (s *server) connect(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.connectTimeout)
	defer cancel()
	us, err := dialSession(ctx, s, nil, s.gatewayInitParams())
	if err != nil {
		if pr := (*packageRefused)(nil); !errors.As(err, &pr) { // a refused package was audited with its reason
			ev := systemEvent(audit.TypeUpstreamError, s.name)
			ev.Status = audit.Status{Outcome: audit.OutcomeUnavailable, ErrorMessage: err.Error()}
			_ = s.g.emit(ctx, ev)
		}
		return err
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		us.close()
		return fmt.Errorf("closing")
	}
	s.main = us
	s.initRes = us.init
	close(s.connected)
	restarts := s.restarts
	s.mu.Unlock()
	if ins := us.init.Instructions; ins != "" {
		def := pin.InstructionsDef(ins)
		s.g.pins.observe(s, pin.KindInstructions, "", def, s.g.pins.hash(pin.KindInstructions, def))
	}
	ev := systemEvent(audit.TypeUpstreamStart, s.name)
	ev.Detail = map[string]any{"transport": s.dialer.Kind(), "conn": us.conn.Info(), "protocol_version": us.init.ProtocolVersion, "restarts": restarts}
	_ = s.g.emit(ctx, ev)
	// Fill the catalog so names can be routed and hashed before any listing.
	go s.refreshCatalog(context.Background())
	if us.modern {
		// A modern server tells of changes on subscriptions/listen only.
		go s.listen(us)
	}
	return nil
}

// supervise restarts the main session when it dies, with backoff.
func (s *server) supervise() {
	backoff := s.backoff0
	for {
		s.mu.Lock()
		us := s.main
		s.mu.Unlock()
		if us != nil {
			select {
			case <-us.conn.Done():
			case <-s.g.ctx.Done():
				return
			}
			started := us.started
			s.mu.Lock()
			if s.main == us {
				s.main = nil
				s.connected = make(chan struct{})
			}
			s.restarts++
			s.mu.Unlock()
			ev := systemEvent(audit.TypeUpstreamExit, s.name)
			ev.Status = audit.Status{Outcome: audit.OutcomeUnavailable, ErrorMessage: errString(us.conn.Err())}
			_ = s.g.emit(context.Background(), ev)
			s.g.log.Warn("upstream session ended", "server", s.name, "err", us.conn.Err())
			if time.Since(started) > 30*time.Second {
				backoff = s.backoff0
			}
		}
		select {
		case <-s.g.ctx.Done():
			return
		case <-time.After(backoff):
		}
		if err := s.connect(s.g.ctx); err != nil {
			backoff = min(backoff*2, s.backoffMax)
			continue
		}
		// Tell clients the tool set may have changed.
		s.g.notifyListChanged(s, "")
	}
}

// systemEvent starts an event the gateway itself causes (no client).
func systemEvent(typ, server string) *audit.Event {
	return &audit.Event{Type: typ, Server: server, Principal: audit.Principal{Subject: "mcpwarden"},
		Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK}}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// current returns the main session, or nil if not connected.
func (s *server) current() *upSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.main
}

// sharedSession waits (bounded) for the main session.
func (s *server) sharedSession(ctx context.Context) (*upSession, error) {
	s.mu.Lock()
	us, ch := s.main, s.connected
	s.mu.Unlock()
	if us != nil {
		return us, nil
	}
	t := time.NewTimer(s.connectTimeout)
	defer t.Stop()
	select {
	case <-ch:
		return s.current(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, fmt.Errorf("server %q is not connected", s.name)
	}
}

func (s *server) close() {
	s.mu.Lock()
	s.closing = true
	us := s.main
	s.mu.Unlock()
	if us != nil {
		us.close()
	}
}

func (s *server) caps() map[string]json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.initRes == nil {
		return nil
	}
	if s.initRes.Capabilities == nil {
		return map[string]json.RawMessage{}
	}
	return s.initRes.Capabilities
}

func (s *server) has(capability string) bool {
	c := s.caps()
	if c == nil {
		return true // unknown yet: try
	}
	_, ok := c[capability]
	return ok
}

func (s *server) instructions() string {
	s.mu.Lock()
	ins := ""
	if s.initRes != nil {
		ins = s.initRes.Instructions
	}
	s.mu.Unlock()
	if ins != "" {
		// Instructions that differ from their pin are withheld, like a
		// changed tool (strict, tofu).
		def := pin.InstructionsDef(ins)
		if !s.g.pins.ok(s.name, pin.KindInstructions, "", s.g.pins.hash(pin.KindInstructions, def)) {
			return ""
		}
	}
	return ins
}

// gatewayInitParams are the initialize params of the gateway's own session.
// In shared mode it relays sampling, elicitation and roots for its clients.
func (s *server) gatewayInitParams() json.RawMessage {
	caps := map[string]any{}
	if s.shared {
		caps = map[string]any{"roots": map[string]any{"listChanged": true}, "sampling": map[string]any{}, "elicitation": map[string]any{}}
	}
	b, _ := json.Marshal(map[string]any{
		"protocolVersion": LatestProtocolVersion,
		"capabilities":    caps,
		"clientInfo":      map[string]any{"name": "mcpwarden", "version": Version},
	})
	return b
}

// hasName reports whether the catalog lists name of kind.
func (s *server) hasName(kind, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.catalog[kind][name]
	return ok
}

// record stores listed definitions in the catalog (kind: tool, prompt,
// template) and returns their hashes.
func (s *server) record(kind string, name string, def json.RawMessage) string {
	h := s.g.pins.hash(kind, def)
	s.mu.Lock()
	if old := s.catalog[kind][name]; old == nil || old.hash != h || h == "" {
		s.g.catalogGen.Add(1)
	}
	s.catalog[kind][name] = &entry{def: def, hash: h}
	s.mu.Unlock()
	s.g.pins.observe(s, kind, name, def, h)
	s.g.noteDefinition(s, kind, name, def, h)
	return h
}

func (s *server) lookup(kind, name string) *entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.catalog[kind][name]
}

// refreshCatalog lists everything through the main session.
func (s *server) refreshCatalog(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.g.log.Error("catalog refresh panicked", "server", s.name, "panic", r)
		}
	}()
	us := s.current()
	if us == nil {
		return
	}
	gen := s.changeGen.Load()
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	defer s.g.checkShadowing()
	defer func() {
		for {
			cur := s.listedGen.Load()
			if cur >= gen || s.listedGen.CompareAndSwap(cur, gen) {
				return
			}
		}
	}()
	for _, l := range listKinds {
		if !s.has(l.capability) {
			continue
		}
		fresh := map[string]*entry{}
		uris := map[string]bool{}
		var tmpls []string
		cursor := ""
		for page := 0; page < maxPages; page++ {
			res, err := us.list(ctx, l.method, cursor)
			if err != nil {
				break
			}
			for _, item := range res.items(l.field) {
				if l.kind == "resource" {
					if u, ok := stringOf(item, "uri"); ok {
						uris[u] = true
					}
					continue
				}
				name, ok := stringOf(item, "name")
				if !ok {
					continue
				}
				e := &entry{def: item, hash: s.g.pins.hash(l.kind, item)}
				s.g.pins.observe(s, l.kind, name, item, e.hash)
				s.g.noteDefinition(s, l.kind, name, item, e.hash)
				if l.kind == "template" {
					if t, ok := stringOf(item, "uriTemplate"); ok {
						tmpls = append(tmpls, t)
					}
				}
				fresh[name] = e
			}
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		s.g.catalogGen.Add(1)
		s.mu.Lock()
		if l.kind == "resource" {
			s.resources = uris
		} else {
			s.catalog[l.kind] = fresh
			if l.kind == "template" {
				s.templates = tmpls
			}
		}
		s.mu.Unlock()
	}
}

// ownsURI reports whether the server listed uri or has a template matching it.
func (s *server) ownsURI(uri string) (listed bool, templated bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.resources[uri] {
		return true, false
	}
	for _, t := range s.templates {
		if matchTemplate(t, uri) {
			return false, true
		}
	}
	return false, false
}

func (s *server) recordURI(uri string) {
	s.mu.Lock()
	s.resources[uri] = true
	s.mu.Unlock()
}

func (s *server) recordTemplate(t string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.templates {
		if x == t {
			return
		}
	}
	s.templates = append(s.templates, t)
}
