// Package app wires the gateway's parts together the way `mcpwarden serve`
// and `mcpwarden stdio` run them: audit sinks (with secrets redacted), the
// embedded store, the gateway, and the HTTP endpoint. Keeping the wiring in
// one place means what is benchmarked and tested is what is shipped.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/approval"
	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/auth"
	"github.com/mcpwarden/mcpwarden/internal/authserver"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/detect"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/scan"
	"github.com/mcpwarden/mcpwarden/internal/secrets"
	"github.com/mcpwarden/mcpwarden/internal/store"
	"github.com/mcpwarden/mcpwarden/internal/telemetry"
	"github.com/mcpwarden/mcpwarden/internal/tlsconf"
	"github.com/mcpwarden/mcpwarden/internal/transport"
	"github.com/mcpwarden/mcpwarden/internal/upstreamauth"
)

// Options adjust Open.
type Options struct {
	// StdioMode: stdout carries the protocol, so an audit file of "-" goes
	// to stderr instead.
	StdioMode bool
	// Warnings from loading the configuration, recorded as audit events.
	Warnings []string
	// NoAudit runs without any audit logger. For performance diagnosis
	// only: nothing is recorded.
	NoAudit bool
}

// Runtime is a running gateway with its audit and store.
type Runtime struct {
	Cfg     *config.Config
	Log     *slog.Logger
	Audit   *audit.Logger
	Store   *store.Store
	Gateway *gateway.Gateway
	// Auth checks tokens on the HTTP endpoint (nil: auth not configured).
	Auth *auth.ResourceServer
	// AuthServer is the embedded authorization server (auth.mode embedded).
	AuthServer *authserver.Server
	// Upstream is the gateway as OAuth client of upstreams (servers.NAME.oauth).
	Upstream *upstreamauth.Broker
	// Approvals decides held calls (approvals:).
	Approvals *approval.Service
	// Detect runs the detection rules over the audit stream (nil: off).
	Detect *detect.Engine
	// Secrets resolves references, cached and refreshed.
	Secrets *secrets.Manager

	hup         chan struct{}
	stopSecrets context.CancelFunc
	alertHook   *detect.WebhookSink // detect.webhook (nil: none)
	// scanEventsOrdered: user detection rules read scan.result events
	// (gateway.Options.ScanEventsOrdered)
	scanEventsOrdered bool
	// Metrics are served on the admin listener (admin:; nil: off).
	Metrics *telemetry.Metrics
	// Tracing exports spans (telemetry.otlp; nil: off).
	Tracing *telemetry.Tracing
	// Retention deletes the oldest audit events (store.retention; nil: off).
	Retention *store.Retainer
}

// Open builds the audit sinks and the gateway and starts the upstreams.
func Open(ctx context.Context, cfg *config.Config, log *slog.Logger, o Options) (*Runtime, error) {
	rt := &Runtime{Cfg: cfg, Log: log}
	// Secrets referenced by the configuration never reach an audit sink,
	// nor do credentials of well-known shapes.
	red, err := newRedaction(cfg)
	if err != nil {
		return nil, err
	}
	if err := rt.openSecrets(ctx, cfg, red); err != nil {
		return nil, err
	}
	redact := audit.WithRedactor(red.redact)
	var sinks []audit.Sink
	if f := cfg.Audit.File; f != "" && !o.NoAudit {
		var sink audit.Sink
		if f == config.StdoutFile && o.StdioMode {
			log.Warn(`audit.file is "-" but stdout carries the MCP protocol in stdio mode: audit events go to stderr`)
			sink = audit.NewJSONLSink(os.Stderr, redact)
		} else {
			var err error
			if sink, err = audit.OpenFileSink(f, redact); err != nil {
				rt.Close()
				return nil, fmt.Errorf("audit.file: %w", err)
			}
		}
		sinks = append(sinks, sink)
	}
	auditStore := (cfg.Audit.Store == nil || *cfg.Audit.Store) && !o.NoAudit
	if auditStore || (cfg.Auth != nil && cfg.Auth.Mode == config.AuthEmbedded) || upstreamOAuth(cfg) || cfg.Approvals != nil ||
		(cfg.Pin != nil && cfg.Pin.Mode != config.PinOff) {
		st, err := store.Open(cfg.Store.Path)
		if err != nil {
			rt.Close()
			return nil, fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
		}
		rt.Store = st
	}
	if auditStore {
		st := rt.Store
		if len(sinks) > 0 {
			// The JSONL file is the record written before each response; the
			// store indexes it, written behind in batches so a call does not
			// wait for SQLite. Its failures are logged, never silent, and
			// what it loses is recorded by a gap event in the store and in
			// the file.
			file := sinks[0]
			sinks = append(sinks, store.AuditSinkBehind(st, func(err error) {
				log.Error("audit store (write-behind; every event is in audit.file)", "err", err)
			}, redact, audit.WithGapHandler(func(ev *audit.Event) {
				if err := file.Write(context.Background(), ev); err != nil {
					log.Error("audit: the store's gap event could not be written to audit.file", "event_id", ev.EventID, "err", err)
				}
			})))
		} else if js, err := store.AuditSinkJournal(st, log, redact); err == nil {
			// The store is the record: each event goes to its journal (one
			// write) before the response, and into SQLite behind it.
			sinks = append(sinks, js)
		} else {
			if !errors.Is(err, store.ErrNoJournal) {
				log.Warn("audit store: no journal, every event is committed to SQLite before its call is answered", "reason", err)
			}
			sinks = append(sinks, store.AuditSink(st, redact))
		}
	}
	var scheduled []detect.ScheduledRule
	if !o.NoAudit && !slices.Contains(cfg.Detect.Disabled, "all") {
		if rt.Detect, scheduled, err = rt.openDetect(cfg, log); err != nil {
			rt.Close()
			return nil, err
		}
		sinks = append(sinks, rt.Detect)
	}
	tsinks, err := rt.openTelemetry(cfg, log, o, redact)
	if err != nil {
		rt.Close()
		return nil, err
	}
	sinks = append(sinks, tsinks...)
	if !o.NoAudit {
		rt.Audit = audit.NewLogger(sinks...)
	}
	if r := cfg.Store.Retention; r != nil && auditStore && rt.Store != nil && rt.Audit != nil {
		// Every pass that deletes records it through the audit logger.
		rt.Retention = rt.Store.StartRetention(store.Retention{MaxAge: r.MaxAge.D(), AlertsMaxAge: r.AlertsMaxAge.D(), MaxSize: r.MaxSize.Bytes()},
			r.Interval.D(), rt.Audit.Emit, log)
	}
	for _, w := range o.Warnings {
		_ = rt.Audit.Emit(ctx, &audit.Event{Type: audit.TypeConfigWarning, Principal: audit.Principal{Subject: "mcpwarden"},
			Decision: audit.Decision{Action: audit.ActionAllow}, Status: audit.Status{Outcome: audit.OutcomeOK}, Detail: map[string]any{"warning": w}})
	}
	if err := rt.openAuth(ctx); err != nil {
		rt.Close()
		return nil, err
	}
	creds, err := rt.openUpstreamAuth()
	if err != nil {
		rt.Close()
		return nil, err
	}
	approvals, err := rt.openApprovals(ctx)
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.Approvals = approvals
	var cands *pin.Candidates
	if rt.Store != nil {
		cands = &pin.Candidates{DB: rt.Store.DB()}
	}
	holds, err := rt.openHolds(ctx)
	if err != nil {
		rt.Close()
		return nil, err
	}
	var corrKey []byte
	if rt.Store != nil {
		// Correlation ids of 2026-07-28 clients stay stable across restarts.
		if corrKey, err = rt.Store.GatewayKey(ctx, "correlation"); err != nil {
			rt.Close()
			return nil, fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
		}
	}
	gw, err := gateway.New(cfg, gateway.Options{Logger: log, Audit: rt.Audit, Credentials: creds, Approvals: approvals, PinCandidates: cands, Tracing: rt.Tracing,
		Fingerprints: crossAppFingerprints(cfg, rt.Detect != nil), Holds: holds, CorrelationKey: corrKey, ScanEventsOrdered: rt.scanEventsOrdered})
	if err != nil {
		rt.Close()
		return nil, err
	}
	rt.Gateway = gw
	if rt.Detect != nil {
		rt.Detect.SetActions(gw)
	}
	if rt.Metrics != nil {
		src := telemetry.Sources{Audit: rt.sinkStats, Sessions: gw.SessionCount}
		if rt.Detect != nil {
			src.Detect = rt.Detect.Stats
		}
		rt.Metrics.SetSources(src)
	}
	if len(scheduled) > 0 {
		if rt.Store == nil {
			rt.Close()
			return nil, fmt.Errorf("detect.rules: scheduled rules (sql) read the store, and the store is off")
		}
		rt.Detect.RunScheduled(context.Background(), rt.Store.DB(), scheduled)
	}
	if rt.Upstream != nil {
		rt.Upstream.OnAuthorized = gw.ListChanged
	}
	gw.Start(ctx)
	return rt, nil
}

// HTTPServer returns the Streamable HTTP endpoint for this runtime.
func (rt *Runtime) HTTPServer() *transport.HTTPServer {
	cfg := rt.Cfg
	return transport.NewHTTPServer(rt.Gateway, transport.HTTPOptions{
		Path: cfg.Path, MaxBodyBytes: cfg.MaxBodyBytes, AllowedOrigins: cfg.AllowedOrigins,
		LoopbackOnly: config.IsLoopbackListen(cfg.Listen), IdleTimeout: cfg.SessionIdleTimeout.D(),
		Logger: rt.Log, Audit: rt.Audit, Auth: rt.Auth, KnownScopes: cfg.AllScopes(),
		Routes: rt.routes, CertPrincipals: certPrincipals(cfg), OnRevoke: rt.revoked,
		InputTTL: cfg.Protocol.InputTTLOrDefault(),
	})
}

// Close stops the gateway, then flushes the audit sinks and the store.
func (rt *Runtime) Close() {
	if rt.stopSecrets != nil {
		rt.stopSecrets()
	}
	rt.Retention.Stop() // before the logger: its last event goes to the sinks
	if rt.Gateway != nil {
		rt.Gateway.Close()
	}
	if rt.Detect != nil {
		_ = rt.Detect.Close() // before the logger: its last alerts go to the sinks
	}
	if rt.alertHook != nil {
		rt.alertHook.Close()
	}
	if rt.Audit != nil {
		_ = rt.Audit.Close()
	}
	if rt.Tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = rt.Tracing.Shutdown(ctx) // the spans still buffered
		cancel()
	}
	if rt.Store != nil {
		_ = rt.Store.Close()
	}
}

// SecretValues resolves the values the configuration holds as references
// (env:, file:, vault:), so they can be redacted. Values that cannot be
// resolved are skipped here; the gateway reports them when it uses them.
func SecretValues(cfg *config.Config) []string {
	var out []string
	for _, s := range referenceValues(cfg) {
		out = append(out, s)
		// A bearer credential may also appear without its scheme.
		if _, tok, ok := strings.Cut(s, " "); ok && len(tok) >= audit.MinSecretLen {
			out = append(out, tok)
		}
	}
	if t := cfg.Telemetry; t != nil {
		for _, s := range telemetry.HeaderValues(t.OTLP) {
			out = append(out, s)
			if _, tok, ok := strings.Cut(s, " "); ok && len(tok) >= audit.MinSecretLen {
				out = append(out, tok)
			}
		}
	}
	if ad := cfg.Admin; ad != nil && ad.Token.IsRef() {
		if s, err := ad.Token.Resolve(); err == nil && s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Serve serves the Streamable HTTP endpoint on ln until ctx ends, then shuts
// down gracefully (bounded).
func (rt *Runtime) Serve(ctx context.Context, ln net.Listener) error {
	hs := rt.HTTPServer()
	defer hs.Close()
	srv := &http.Server{Handler: hs.Handler(), ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(rt.Log.Handler(), slog.LevelWarn)}
	scheme := "http"
	if rt.Cfg.TLS != nil {
		tc, err := tlsconf.Server(rt.Cfg.TLS)
		if err != nil {
			return err
		}
		srv.TLSConfig = tc
		ln = tls.NewListener(ln, tc)
		scheme = "https"
	}
	rt.Log.Info("mcpwarden serving", "url", scheme+"://"+ln.Addr().String()+rt.Cfg.Path, "servers", rt.Gateway.Servers())
	errc := make(chan error, 3)
	go func() { errc <- srv.Serve(ln) }()
	if ad := rt.Cfg.Approvals; ad != nil && ad.Admin != nil && rt.Approvals != nil {
		token, err := ad.Admin.Token.Resolve()
		if err != nil {
			return fmt.Errorf("approvals.admin.token: %w", err)
		}
		aln, err := net.Listen("tcp", ad.Admin.Listen)
		if err != nil {
			return fmt.Errorf("approvals.admin.listen: %w", err)
		}
		asrv := &http.Server{Handler: approval.AdminHandler(rt.Approvals, token), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- asrv.Serve(aln) }()
		defer asrv.Close()
		rt.Log.Info("approvals admin API", "url", "http://"+aln.Addr().String()+"/v1/approvals")
	}
	stopAdmin, err := rt.ServeAdmin(errc)
	if err != nil {
		return err
	}
	defer stopAdmin()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// openTelemetry builds the metrics (admin:) and the OTel pipelines
// (telemetry.otlp), returning the audit sinks they add.
func (rt *Runtime) openTelemetry(cfg *config.Config, log *slog.Logger, o Options, redact audit.SinkOption) ([]audit.Sink, error) {
	var sinks []audit.Sink
	if cfg.Admin != nil {
		rt.Metrics = telemetry.NewMetrics()
		sinks = append(sinks, rt.Metrics.Sink())
	}
	t := cfg.Telemetry
	if t == nil || t.OTLP == nil {
		return sinks, nil
	}
	var err error
	if rt.Tracing, err = telemetry.NewTracing(t, gateway.Version); err != nil {
		return nil, err
	}
	if t.OTLP.Logs != config.OTLPLogsOff && !o.NoAudit {
		ls, err := telemetry.NewLogSink(t, gateway.Version, telemetry.LogOptions{All: t.OTLP.Logs == config.OTLPLogsAll,
			Redactor: audit.ApplySinkOptions(redact).Redactor, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("telemetry.otlp: %w", err)
		}
		sinks = append(sinks, ls)
	}
	return sinks, nil
}

// ServeAdmin serves the admin listener (admin:), if configured: GET
// /metrics and /healthz. Serve errors go to errc; stop closes it.
func (rt *Runtime) ServeAdmin(errc chan<- error) (stop func(), err error) {
	ad := rt.Cfg.Admin
	if ad == nil || rt.Metrics == nil {
		return func() {}, nil
	}
	token := ""
	if ad.Token.String() != "" {
		if token, err = ad.Token.Resolve(); err != nil {
			return nil, fmt.Errorf("admin.token: %w", err)
		}
		if token == "" {
			return nil, fmt.Errorf("admin.token: %s resolves to an empty token", ad.Token.String())
		}
	}
	ln, err := net.Listen("tcp", ad.Listen)
	if err != nil {
		return nil, fmt.Errorf("admin.listen: %w", err)
	}
	srv := &http.Server{Handler: telemetry.AdminHandler(rt.Metrics, token), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(rt.Log.Handler(), slog.LevelWarn)}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) && errc != nil {
			errc <- fmt.Errorf("admin.listen: %w", err)
		}
	}()
	rt.Log.Info("admin endpoint", "url", "http://"+ln.Addr().String()+"/metrics")
	return func() { _ = srv.Close() }, nil
}

// routes mounts the embedded authorization server, if any, next to the
// MCP endpoint.
func (rt *Runtime) routes(handle func(string, http.Handler)) {
	if rt.AuthServer != nil {
		rt.AuthServer.Register(handle)
	}
	if rt.Upstream != nil {
		rt.Upstream.Register(handle)
	}
}

// certPrincipals are the configured certificate identities and scopes.
func certPrincipals(cfg *config.Config) map[string][]string {
	if cfg.TLS == nil || cfg.TLS.Principals.Len() == 0 {
		return nil
	}
	out := map[string][]string{}
	for _, id := range cfg.TLS.Principals.Keys {
		var scopes []string
		if cp := cfg.TLS.Principals.Values[id]; cp != nil {
			scopes = cp.Scopes
		}
		out[id] = scopes
	}
	return out
}

// revoked records a token the gateway revoked (a one-shot scope was used)
// at the embedded authorization server, so it stays revoked.
func (rt *Runtime) revoked(id *auth.Identity) {
	if rt.AuthServer != nil && id != nil {
		rt.AuthServer.RevokeToken(context.Background(), id.TokenID, id.Expiry, "one-shot scope used")
	}
}

// openApprovals builds the approval service (approvals:), ending in
// denial every request a previous run left pending.
func (rt *Runtime) openApprovals(ctx context.Context) (*approval.Service, error) {
	a := rt.Cfg.Approvals
	if a == nil {
		return nil, nil
	}
	svc := &approval.Service{Store: &approval.Store{DB: rt.Store.DB()}, Timeout: a.Timeout.D(), AllowSelfApproval: a.AllowSelfApproval, Log: rt.Log}
	if w := a.Webhook; w != nil {
		secret, err := w.Secret.Resolve()
		if err != nil {
			return nil, fmt.Errorf("approvals.webhook.secret: %w", err)
		}
		svc.Webhook = &approval.Webhook{URL: w.URL, Secret: secret}
	}
	n, err := svc.Store.EndPending(ctx)
	if err != nil {
		return nil, fmt.Errorf("approvals: %w", err)
	}
	if n > 0 {
		rt.Log.Warn("held calls of a previous run were denied (the gateway restarted while they waited)", "count", n)
	}
	return svc, nil
}

// openDetect builds the detection engine: the built-in rules not disabled,
// alerts written back into the audit stream and to the webhook.
func (rt *Runtime) openDetect(cfg *config.Config, log *slog.Logger) (*detect.Engine, []detect.ScheduledRule, error) {
	th := cfg.Detect.Thresholds
	flows := gateway.FlowRules(cfg)
	rules := detect.Builtins(detect.Thresholds{
		ReconListsPerSession: th.ReconListsPerSession, ReconSessionsPerPrincipal: th.ReconSessionsPerPrincipal,
		ReconWindow: th.ReconWindow.D(), RugPullMinAge: th.RugPullMinAge.D(),
		HarvestWindow: th.HarvestWindow.D(), HarvestIdenticalFloor: th.HarvestIdenticalFloor, HarvestTotalFloor: th.HarvestTotalFloor,
	}, scan.New(scan.Options{}), func(server, tool string) []string { return flows.LabelsOf(server, tool, nil) })
	var on []detect.Rule
	for _, r := range rules {
		if !slices.Contains(cfg.Detect.Disabled, r.ID()) {
			on = append(on, r)
		}
	}
	user, scheduled, err := detect.LoadRuleFiles(cfg.Detect.Rules, "")
	if err != nil {
		return nil, nil, err
	}
	on = append(on, user...)
	rt.scanEventsOrdered = detect.ReadsScanResults(user)
	o := detect.Options{Rules: on, Logger: log, Emit: func(ctx context.Context, ev *audit.Event) error { return rt.Audit.Emit(ctx, ev) },
		HoldFor: cfg.Detect.HoldFor.D(), RuleActions: map[string]string{}}
	for _, id := range cfg.Detect.Actions.Keys {
		o.RuleActions[id] = cfg.Detect.Actions.Values[id]
	}
	if w := cfg.Detect.Webhook; w != nil {
		secret, err := w.Secret.Resolve()
		if err != nil {
			log.Error("detect.webhook.secret cannot be resolved: alerts are not sent to the webhook", "err", err)
		} else {
			rt.alertHook = detect.NewWebhookSink(w.URL, secret, log)
			o.Notify = rt.alertHook.Notify
		}
	}
	return detect.New(o), scheduled, nil
}

// openHolds sets up the principal holds of detections (detect.actions
// hold_principal): in the store when it is on, so they survive a restart;
// the holds in force are loaded. nil when detection is off.
func (rt *Runtime) openHolds(ctx context.Context) (*approval.Holds, error) {
	if rt.Detect == nil {
		return nil, nil
	}
	h := &approval.Holds{}
	if rt.Store != nil {
		h.DB = rt.Store.DB()
	}
	n, err := h.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("detect: principal holds: %w", err)
	}
	if n > 0 {
		rt.Log.Warn("principals held by detections of a previous run are still held", "count", n)
	}
	return h, nil
}

// sinkStats are the audit sinks' counters and the alert webhook's.
func (rt *Runtime) sinkStats() []audit.SinkStats {
	out := rt.Audit.Stats()
	if rt.alertHook != nil {
		out = append(out, rt.alertHook.Stats())
	}
	return out
}

// crossAppFingerprints: results are fingerprinted only for
// mcp.cross_app_flow, which follows content from one server to another; with
// a single server configured (the set is fixed for the process) it cannot
// fire, and a large result is not hashed for nothing.
func crossAppFingerprints(cfg *config.Config, detecting bool) bool {
	return detecting && !slices.Contains(cfg.Detect.Disabled, "mcp.cross_app_flow") && cfg.Servers.Len() > 1
}
