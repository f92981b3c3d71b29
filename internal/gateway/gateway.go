// Package gateway is the core of mcpwarden: it presents many upstream MCP
// servers as one, routes each client message to the right upstream, runs
// every call through the guard chain, and records an audit event for it.
//
// It knows MCP methods but no transport: client transports (package
// transport) hand it parsed messages and a Sink to answer on; upstream
// transports (package upstream) give it a Conn per upstream session. Ids are
// remapped in both directions, so concurrent sessions and upstreams never
// collide, and messages or fields it does not know pass through as they are.
//
// It guards against a client reaching a tool by a path the guards do not
// see (every listing and every call asks the same chain), against one
// upstream's failure reaching other sessions or the process (per-request and
// per-upstream recovery), and against calls without evidence (no result is
// returned before its audit event is written).
package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/approval"
	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/policy"
	"github.com/mcpwarden/mcpwarden/internal/ratelimit"
	"github.com/mcpwarden/mcpwarden/internal/ssrf"
	"github.com/mcpwarden/mcpwarden/internal/telemetry"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Version is the gateway's version as reported in serverInfo.
var Version = "0.1.0-dev"

// SupportedProtocolVersions are the MCP revisions the gateway speaks to
// clients, newest first.
var SupportedProtocolVersions = []string{"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"}

// LatestProtocolVersion is the newest supported revision.
var LatestProtocolVersion = SupportedProtocolVersions[0]

// MetaCorrelationKey is the _meta key carrying the call's correlation id upstream.
const MetaCorrelationKey = "io.mcpwarden/correlation-id"

// Sink receives messages for a client. Send must not block for long.
type Sink interface {
	Send(msg []byte) error
}

// SinkFunc adapts a function to Sink.
type SinkFunc func([]byte) error

// Send implements Sink.
func (f SinkFunc) Send(b []byte) error { return f(b) }

// Options configure a Gateway beyond the config file.
type Options struct {
	Logger *slog.Logger
	Audit  *audit.Logger
	// Guards are appended to the chain after the built-in tool allowlist.
	Guards []guard.Guard
	// SelfPath replaces config.SelfCommand in server commands.
	SelfPath string
	// Dialers override how servers are reached (tests); keyed by name.
	Dialers map[string]upstream.Dialer
	// Approvals decides held calls; nil denies them at once.
	Approvals *approval.Service
	// PinCandidates records definitions that differ from their pins, for
	// review (nil: not recorded).
	PinCandidates *pin.Candidates
	// Fingerprints adds content fingerprints of each tool result to its
	// audit event (detail.result_fp), for mcp.cross_app_flow.
	Fingerprints bool
	// ScanEventsOrdered makes every request of a session wait for the
	// scans behind its earlier answers, so that their scan.result events
	// come before the request's own (set when user detection rules read
	// scan.result events). Otherwise only the requests those findings can
	// decide wait (scanbehind.go).
	ScanEventsOrdered bool
	// Holds are the principals held by detections (detect.actions
	// hold_principal); the detect-hold guard, last in the chain, holds
	// their calls. nil: none.
	Holds *approval.Holds
	// Tracing makes the spans of requests and stamps audit events with
	// their trace ids (nil: off).
	Tracing *telemetry.Tracing
	// Credentials give the named servers each user's own bearer token
	// (servers.NAME.oauth). Such a server has no gateway-wide session: it
	// is reached only for users, in their sessions.
	Credentials map[string]upstream.Credentials
	// Packages, when not nil, replace the lockfile's package pins (by
	// server), and PackageCache the package cache directory (default next
	// to the store): mcpwarden pin and vet resolve packages before listing.
	Packages     map[string]*pin.Package
	PackageCache string
	// CorrelationKey (32 bytes, kept in the store) keys the correlation
	// ids of 2026-07-28 clients, so they are stable across restarts; nil:
	// a random key per process.
	CorrelationKey []byte
}

// Gateway aggregates upstream servers into one MCP server.
type Gateway struct {
	scans  pendingScans // annotated results scanned behind their answers (scanbehind.go)
	behind behindPool   // their low-priority workers
	cfg    *config.Config
	log    *slog.Logger
	audit  *audit.Logger
	chain  guard.Chain
	// argRules are the argument rules; modes the policy mode per server
	// (enforce or audit).
	argRules  policy.ArgRules
	modes     map[string]string
	approvals *approval.Service
	holds     *approval.Holds
	pins      *pinState
	flows     *policy.Flows
	scan      *scanState
	// fingerprints: see Options.Fingerprints.
	fingerprints bool
	scanOrdered  bool // ScanEventsOrdered
	tracing      *telemetry.Tracing
	preFlow      guard.Chain // the guards before the flow guard (exposure)
	// catalogGen changes whenever a server's catalog does.
	catalogGen atomic.Int64
	sep        string
	servers    []*server
	byName     map[string]*server
	secrets    []string
	// sandboxes: sandboxed servers and the egress proxy (sandbox.go).
	sandboxes *sandboxes
	sbxOnce   sync.Once

	mu       sync.Mutex
	sessions map[string]*Session
	closed   bool

	nextDownID atomic.Int64
	// auditFailed is set while the last audit write failed: new calls are
	// refused before they reach an upstream (fail closed).
	auditFailed atomic.Bool
	ctx         context.Context
	cancel      context.CancelFunc

	// limits is the rate-limit guard (limits.go); nil when none is set.
	limits *ratelimit.Limiter

	// Virtual sessions of 2026-07-28 clients (stateless.go).
	correlationKey []byte
	virt           *virtualSessions
	virtOnce       sync.Once
	// sealer seals the requestState of modern upstreams for modern
	// clients (upinput.go); set on first use.
	sealer     StateSealer
	sealerOnce sync.Once
	// resourceSubs are session clients' resource subscriptions on modern
	// upstreams (uplisten.go): key → cancel.
	resourceSubs sync.Map
	// listenSubs are modern clients' listen resource subscriptions
	// (listensubs.go), counted by the streams holding them.
	listenSubs listenSubs
}

// New builds a gateway from a validated configuration. It starts nothing.
func New(cfg *config.Config, opts Options) (*Gateway, error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		cfg: cfg, log: log, audit: opts.Audit, sep: cfg.NamespaceSeparator,
		byName: map[string]*server{}, sessions: map[string]*Session{},
		ctx: ctx, cancel: cancel,
		argRules: policy.ArgRules{Servers: map[string][]policy.ArgRule{}}, modes: map[string]string{},
	}
	if g.sep == "" {
		g.sep = config.DefaultNamespaceSeparator
	}
	pins, err := newPinState(g, cfg, opts.PinCandidates)
	if err != nil {
		cancel()
		return nil, err
	}
	g.pins = pins
	rules := policy.ToolRules{DefaultAllow: cfg.Policy.Default != config.PolicyDeny, Servers: map[string]policy.ServerRules{}}
	impacts := map[string][]policy.ImpactRule{}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		s, err := newServer(g, sc, opts)
		if err != nil {
			cancel()
			return nil, fmt.Errorf("servers.%s: %w", name, err)
		}
		g.servers = append(g.servers, s)
		g.byName[name] = s
		sr := policy.ServerRules{}
		if sc.Policy != nil && sc.Policy.Default != "" {
			v := sc.Policy.Default == config.PolicyAllow
			sr.Default = &v
		}
		argRules := []policy.ArgRule{}
		for _, pat := range sc.Tools.Keys {
			r := sc.Tools.Values[pat]
			if r == nil {
				continue
			}
			allow := r.Allow
			if allow == nil && (r.When != "" || r.Arguments != nil || r.Impact != "" || len(r.Scopes) > 0) {
				// A rule that configures how a tool may be used makes it
				// usable (under those conditions) unless it says allow: false.
				t := true
				allow = &t
			}
			sr.Rules = append(sr.Rules, policy.ToolRule{Pattern: pat, Allow: allow})
			if r.Impact != "" {
				impacts[name] = append(impacts[name], policy.ImpactRule{Pattern: pat, Impact: r.Impact})
			}
			if r.When != "" || r.Arguments != nil {
				ar := policy.ArgRule{Pattern: pat, Arguments: r.Arguments}
				if r.When != "" {
					x, err := policy.Compile(r.When)
					if err != nil {
						cancel()
						return nil, fmt.Errorf("servers.%s.tools.%s.when: %w", name, pat, err)
					}
					ar.When = x
				}
				argRules = append(argRules, ar)
			}
		}
		rules.Servers[name] = sr
		g.argRules.Servers[name] = argRules
		g.modes[name] = cfg.Policy.Mode
		if sc.Policy != nil && sc.Policy.Mode != "" {
			g.modes[name] = sc.Policy.Mode
		}
	}
	g.scan = newScanState(cfg)
	g.fingerprints = opts.Fingerprints
	g.scanOrdered = opts.ScanEventsOrdered
	g.tracing = opts.Tracing
	g.chain = guard.Chain{&policy.ToolGuard{Rules: rules}, &pin.Guard{Mode: pins.mode, Lock: pins.current}, &scanGuard{st: g.scan}}
	if cfg.Authenticated() {
		g.chain = append(g.chain, &policy.ScopeGuard{Rules: ScopeRules(cfg)})
	}
	resAllow := map[string][]string{}
	for _, name := range cfg.ServerNames() {
		if sc, _ := cfg.Servers.Get(name); sc.Resources != nil {
			resAllow[name] = sc.Resources.Allow
		}
	}
	g.chain = append(g.chain, &policy.ArgumentGuard{Rules: g.argRules, Schemas: policy.NewSchemas()}, &policy.ResourceGuard{Allow: resAllow})
	if !cfg.Policy.SSRF.Disabled {
		g.chain = append(g.chain, &ssrf.Guard{Checker: &ssrf.Checker{Resolver: net.DefaultResolver, AllowHosts: cfg.Policy.SSRF.AllowHosts}})
	}
	g.flows = FlowRules(cfg)
	g.preFlow = slices.Clone(g.chain)
	g.chain = append(g.chain, &policy.FlowGuard{Flows: g.flows})
	g.chain = append(g.chain, &policy.ImpactGuard{Rules: impacts, Infer: cfg.Approvals != nil && cfg.Approvals.Infer != nil && *cfg.Approvals.Infer})
	g.approvals = opts.Approvals
	g.correlationKey = opts.CorrelationKey
	// Rate limits first: a flood is refused before any guard works for it.
	if g.limits = newLimiter(cfg, g.flows); g.limits != nil {
		g.chain = append(guard.Chain{g.limits}, g.chain...)
	}
	g.chain = append(g.chain, opts.Guards...)
	if opts.Holds != nil {
		// Last: a held call that is approved runs, so every other guard
		// must have allowed it first.
		g.holds = opts.Holds
		g.holds.OnRelease = g.released
		g.chain = append(g.chain, &approval.HoldGuard{Lookup: func(ctx context.Context, issuer, subject string) (approval.Hold, bool) {
			return g.holds.Active(ctx, issuer, subject, time.Now())
		}})
	}
	return g, nil
}

// defaultAllow reports whether the server's policy default is allow.
func (g *Gateway) defaultAllow(server string) bool {
	if sc, ok := g.cfg.Servers.Get(server); ok && sc.Policy != nil && sc.Policy.Default != "" {
		return sc.Policy.Default == config.PolicyAllow
	}
	return g.cfg.Policy.Default != config.PolicyDeny
}

// policyGuards are the guards whose refusals policy.mode audit turns into
// recorded would-be denials (authentication and parsing are not policy).
var policyGuards = map[string]bool{policy.GuardName: true, policy.ArgsGuardName: true, ssrf.GuardName: true, policy.ResourceGuardName: true}

// Decide is decide for offline policy tests (mcpwarden policy test): the
// guard chain and the policy mode, without an upstream.
func (g *Gateway) Decide(ctx context.Context, c *guard.Call) (guard.Decision, bool) {
	return g.decide(ctx, c)
}

// decide runs the guard chain and applies the server's policy mode: in
// audit mode a policy refusal lets the call run and is recorded as a
// would-be denial.
func (g *Gateway) decide(ctx context.Context, c *guard.Call) (d guard.Decision, wouldDeny bool) {
	d = g.chain.Decide(ctx, c)
	if d.Action == guard.Deny && policyGuards[d.Guard] && g.modes[c.Server] == config.ModeAudit {
		return guard.Decision{Action: guard.Allow, Guard: d.Guard, Reason: "policy.mode audit: would deny: " + d.Reason}, true
	}
	return d, false
}

// ScopeRules are the scope requirements of cfg (servers.NAME.scopes and
// servers.NAME.tools.PATTERN.scopes).
// FlowRules is the toxic-flow policy of cfg.
func FlowRules(cfg *config.Config) *policy.Flows {
	tf := cfg.ToxicFlows
	f := &policy.Flows{Mode: tf.Mode, OnConflict: tf.OnConflict, AfterTaint: tf.AfterTaint, Rules: map[string][]policy.LabelRule{}}
	if f.Mode == "" {
		f.Mode = policy.FlowOff
	}
	if f.OnConflict == "" {
		f.OnConflict = policy.ConflictRefuse
	}
	if f.AfterTaint == "" {
		f.AfterTaint = policy.TaintHold
	}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		for _, pat := range sc.Tools.Keys {
			if r := sc.Tools.Values[pat]; r != nil && r.Labels != nil {
				f.Rules[name] = append(f.Rules[name], policy.LabelRule{Pattern: pat, Labels: r.Labels})
			}
		}
	}
	return f
}

func ScopeRules(cfg *config.Config) policy.ScopeRules {
	r := policy.ScopeRules{Servers: map[string]policy.ServerScopes{}, OneShot: map[string]bool{}, Known: cfg.AllScopes()}
	if cfg.Auth != nil {
		for _, s := range cfg.Auth.OneShotScopes {
			r.OneShot[s] = true
		}
	}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		ss := policy.ServerScopes{Scopes: sc.Scopes}
		for _, pat := range sc.Tools.Keys {
			if t := sc.Tools.Values[pat]; t != nil && len(t.Scopes) > 0 {
				ss.Rules = append(ss.Rules, policy.ScopeRule{Pattern: pat, Scopes: t.Scopes})
			}
		}
		r.Servers[name] = ss
	}
	return r
}

// Start connects to every upstream in parallel, waiting at most each
// server's connect timeout. A server that cannot be reached does not stop
// the gateway: it is retried in the background and its calls fail clearly.
func (g *Gateway) Start(ctx context.Context) {
	go g.pins.watch(g.ctx)
	if g.holds != nil && g.holds.DB != nil {
		go g.watchHolds(g.ctx)
	}
	var wg sync.WaitGroup
	for _, s := range g.servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.start(ctx)
		}()
	}
	wg.Wait()
}

// Close ends every session and upstream.
func (g *Gateway) Close() {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return
	}
	g.closed = true
	sessions := make([]*Session, 0, len(g.sessions))
	for _, s := range g.sessions {
		sessions = append(sessions, s)
	}
	g.mu.Unlock()
	for _, s := range sessions {
		s.Close("gateway shutdown")
	}
	g.cancel()
	var wg sync.WaitGroup
	for _, s := range g.servers {
		wg.Add(1)
		go func() { defer wg.Done(); s.close() }()
	}
	wg.Wait()
	// The findings of results answered before the shutdown are recorded.
	wctx, wcancel := context.WithTimeout(context.Background(), scanWaitMax)
	if err := g.scans.wait(wctx, nil); err != nil {
		g.log.Error("shutdown: scans of annotated results did not finish; their findings are not recorded", "waited", scanWaitMax.String())
	}
	wcancel()
	g.behind.close()
	g.sandboxes.close()
}

// Server returns the names of the configured servers in order.
func (g *Gateway) Servers() []string {
	out := make([]string, len(g.servers))
	for i, s := range g.servers {
		out[i] = s.name
	}
	return out
}

// Ready reports which servers are connected.
func (g *Gateway) Ready() map[string]bool {
	out := map[string]bool{}
	for _, s := range g.servers {
		out[s.name] = s.perUser || s.current() != nil
	}
	return out
}

// SessionCount is the number of open client sessions.
func (g *Gateway) SessionCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sessions)
}

// emit writes an audit event. A nil audit logger records nothing.
func (g *Gateway) emit(ctx context.Context, ev *audit.Event) error {
	if g.audit == nil {
		return nil
	}
	g.tracing.Stamp(ctx, ev) // telemetry: trace_id, span_id
	if err := g.audit.Emit(ctx, ev); err != nil {
		g.auditFailed.Store(true)
		g.log.Error("audit write failed", "type", ev.Type, "err", err)
		return err
	}
	g.auditFailed.Store(false)
	return nil
}

// capabilities merges upstream capabilities into what the gateway
// advertises. A capability is advertised when some upstream has it;
// listChanged when some upstream offers it or some upstream's capabilities
// are not known yet (it will appear later, and the gateway then says so).
func (g *Gateway) capabilities() map[string]any {
	caps := map[string]any{}
	type feat struct{ present, listChanged, subscribe bool }
	feats := map[string]*feat{"tools": {}, "resources": {}, "prompts": {}}
	logging, completions, unknown := false, false, false
	for _, s := range g.servers {
		c := s.caps()
		if c == nil {
			unknown = true
			continue
		}
		for name, f := range feats {
			raw, ok := c[name]
			if !ok {
				continue
			}
			f.present = true
			var sub struct {
				ListChanged bool `json:"listChanged"`
				Subscribe   bool `json:"subscribe"`
			}
			_ = json.Unmarshal(raw, &sub)
			f.listChanged = f.listChanged || sub.ListChanged
			f.subscribe = f.subscribe || sub.Subscribe
		}
		_, l := c["logging"]
		_, cm := c["completions"]
		logging = logging || l
		completions = completions || cm
	}
	for name, f := range feats {
		if !f.present && !unknown {
			continue
		}
		m := map[string]any{}
		if f.listChanged || unknown {
			m["listChanged"] = true
		}
		if name == "resources" && f.subscribe {
			m["subscribe"] = true
		}
		caps[name] = m
	}
	if logging {
		caps["logging"] = map[string]any{}
	}
	if completions {
		caps["completions"] = map[string]any{}
	}
	if g.tasksEnabled() {
		caps["tasks"] = tasksCapability()
	}
	return caps
}

// instructions joins the upstreams' instructions, each labelled.
func (g *Gateway) instructions() string {
	out := ""
	for _, s := range g.servers {
		if ins := s.instructions(); ins != "" {
			if out != "" {
				out += "\n\n"
			}
			out += fmt.Sprintf("[%s] %s", s.name, ins)
		}
	}
	return out
}

func negotiate(requested string) string {
	for _, v := range SupportedProtocolVersions {
		if v == requested {
			return v
		}
	}
	return LatestProtocolVersion
}

// ClientMeta is what a transport knows about a connecting client.
type ClientMeta struct {
	Transport  string
	RemoteAddr string
	Principal  guard.Principal
}

// Initialize handles a client's initialize request and creates its session.
// out is where messages not related to a request go (the standalone stream).
func (g *Gateway) Initialize(ctx context.Context, m *jsonrpc.Message, meta ClientMeta, out Sink) (_ *Session, resp []byte) {
	ctx, endSpan := g.tracing.StartServer(ctx, m.Method, "", m.ID, m.Params) // telemetry: the server span
	defer func() { endSpan(resp) }()
	var p struct {
		ProtocolVersion string          `json:"protocolVersion"`
		Capabilities    json.RawMessage `json:"capabilities"`
		ClientInfo      struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"clientInfo"`
	}
	if m.Params == nil || json.Unmarshal(m.Params, &p) != nil || p.ProtocolVersion == "" {
		return nil, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "initialize: params need protocolVersion, capabilities and clientInfo"))
	}
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "gateway is shutting down"))
	}
	g.mu.Unlock()
	version := negotiate(p.ProtocolVersion)
	if meta.Principal.Subject == "" {
		meta.Principal = guard.Anonymous
	}
	s := newSession(g, newSessionID(), meta, out)
	s.initParams = m.Params
	s.protocol = version
	s.clientName, s.clientVersion = p.ClientInfo.Name, p.ClientInfo.Version
	s.clientCaps = p.Capabilities
	if resp := g.admitSession(ctx, s, m.ID); resp != nil {
		return nil, resp // sessions_per_client
	}
	g.mu.Lock()
	g.sessions[s.id] = s
	g.mu.Unlock()

	res := map[string]any{
		"protocolVersion": version,
		"capabilities":    g.capabilities(),
		"serverInfo":      map[string]any{"name": "mcpwarden", "title": "mcpwarden MCP gateway", "version": Version},
	}
	if ins := g.instructions(); ins != "" {
		res["instructions"] = ins
	}
	if err := g.emit(ctx, s.event(ctx, "session.start")); err != nil {
		// A session that cannot be recorded is not opened (fail closed).
		g.removeSession(s)
		return nil, jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeAuditFailed, "mcpwarden: the audit event could not be written, so the session is refused: %v", err))
	}
	return s, jsonrpc.NewResult(m.ID, res)
}

// Session returns the session with id, or nil.
func (g *Gateway) Session(id string) *Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sessions[id]
}

func (g *Gateway) removeSession(s *Session) {
	g.mu.Lock()
	delete(g.sessions, s.id)
	g.mu.Unlock()
	s.releaseLimits()
}

// allSessions returns the open client sessions in a stable order.
func (g *Gateway) allSessions() []*Session {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]*Session, 0, len(g.sessions))
	for _, s := range g.sessions {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// route resolves an exposed (namespaced) name to its server and upstream
// name. withheld is true when the name collides between servers.
func (g *Gateway) route(kind, exposed string) (s *server, name string, withheld bool) {
	for _, srv := range g.servers {
		if srv.prefix == "" {
			continue
		}
		p := srv.prefix + g.sep
		if len(exposed) > len(p) && exposed[:len(p)] == p {
			return srv, exposed[len(p):], false
		}
	}
	// Unprefixed servers: find who lists the name.
	var owner *server
	for _, srv := range g.servers {
		if srv.prefix != "" {
			continue
		}
		if srv.hasName(kind, exposed) {
			owner = srv
		}
	}
	if owner == nil {
		// A single unprefixed server gets names it has not listed (yet).
		for _, srv := range g.servers {
			if srv.prefix == "" {
				owner = srv
			}
		}
		if owner == nil {
			return nil, "", false
		}
	}
	if g.collides(kind, owner, exposed) {
		return owner, exposed, true
	}
	return owner, exposed, false
}

// collides reports whether an unprefixed server's name is also exposed by
// another server (so it would shadow or be shadowed).
func (g *Gateway) collides(kind string, owner *server, exposed string) bool {
	for _, srv := range g.servers {
		if srv == owner {
			continue
		}
		if srv.prefix != "" {
			p := srv.prefix + g.sep
			if len(exposed) > len(p) && exposed[:len(p)] == p && srv.hasName(kind, exposed[len(p):]) {
				return true
			}
			continue
		}
		if srv.hasName(kind, exposed) {
			return true
		}
	}
	return false
}

func (g *Gateway) exposedName(s *server, name string) string {
	if s.prefix == "" {
		return name
	}
	return s.prefix + g.sep + name
}

var errNoSession = errors.New("no session")

// selfPath resolves config.SelfCommand.
func selfPath(opt string) string {
	if opt != "" {
		return opt
	}
	p, err := os.Executable()
	if err != nil {
		return os.Args[0]
	}
	return p
}
