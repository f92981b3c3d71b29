package config

import (
	"fmt"
	"github.com/mcpwarden/mcpwarden/internal/policy"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

var (
	serverNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)
	separatorRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,8}$`)
	headerNameRE = regexp.MustCompile("^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$")
)

const maxNameLen = 64

// Headers the upstream transport sets itself.
var reservedHeaders = map[string]bool{
	"host": true, "content-length": true, "content-type": true, "transfer-encoding": true,
	"connection": true, "keep-alive": true, "proxy-connection": true, "upgrade": true,
	"te": true, "trailer": true, "accept": true,
	"mcp-session-id": true, "mcp-protocol-version": true, "last-event-id": true,
	"mcp-method": true, "mcp-name": true, // computed from each message (2026-07-28)
}

// looksSecret reports whether a header or variable name suggests that its
// value is a credential.
func looksSecret(name string) bool {
	l := strings.ToLower(name)
	switch l {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	for _, w := range []string{"token", "key", "secret", "auth", "password", "passwd", "credential"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

type validator struct {
	d        *decoder
	cfg      *Config
	warnings []string
}

// has reports whether the key path was present in the file.
func (v *validator) has(p string) bool {
	_, ok := v.d.keyLine[p]
	return ok
}

// line returns the line of p or of its nearest present ancestor.
func (v *validator) line(p string) int {
	for p != "" {
		if l, ok := v.d.keyLine[p]; ok {
			return l
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return 0
}

// related reports whether a decode error at errPath makes a validation
// error at p likely to be a consequence of it: same path, an ancestor, or a
// direct child (a misspelled key of the thing being validated).
func related(errPath, p string) bool {
	if errPath == p || strings.HasPrefix(p, errPath+".") || strings.HasPrefix(p, errPath+"[") {
		return true
	}
	if rest, ok := strings.CutPrefix(errPath, p+"."); ok {
		return !strings.ContainsAny(rest, ".[")
	}
	return false
}

func (v *validator) errorf(p, format string, args ...any) {
	if len(v.d.errs) >= maxErrors {
		v.d.dropped++
		return
	}
	for _, ep := range v.d.errPaths {
		if related(ep, p) {
			return
		}
	}
	v.d.add(v.line(p), p, fmt.Sprintf(format, args...))
}

func (v *validator) warnf(p, format string, args ...any) {
	e := &Error{File: v.d.file, Line: v.line(p), Path: p, Msg: fmt.Sprintf(format, args...)}
	v.warnings = append(v.warnings, e.Error())
}

func (v *validator) positiveDuration(p string, d Duration) {
	if v.has(p) && d <= 0 {
		v.errorf(p, "must be greater than 0, got %s", d)
	}
}

func (v *validator) nonEmpty(p, s, hint string) bool {
	if v.has(p) && s == "" {
		v.errorf(p, "must not be empty%s", hint)
		return false
	}
	return true
}

func (v *validator) validate() {
	c := v.cfg
	v.auth()
	v.tls()
	v.secrets()
	v.limits()
	for i, id := range c.Detect.Disabled {
		switch id {
		case "all", "mcp.harvest", "mcp.recon", "mcp.injection", "mcp.rug_pull", "mcp.shadowing", "mcp.token_reuse", "mcp.cross_app_flow", "mcp.header_mismatch":
		default:
			v.errorf(fmt.Sprintf("detect.disabled[%d]", i), "unknown rule %q (built-in rules: mcp.harvest, mcp.recon, mcp.injection, mcp.rug_pull, mcp.shadowing, mcp.token_reuse, mcp.cross_app_flow, mcp.header_mismatch; or all)", truncate(id))
		}
	}
	v.detectActions()
	if w := c.Detect.Webhook; w != nil {
		if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf("detect.webhook.url", "must be an http(s) URL, got %q", truncate(w.URL))
		}
		if w.Secret.String() == "" || !w.Secret.IsRef() {
			v.errorf("detect.webhook.secret", "required, as a reference (env:NAME or file:PATH): it signs every alert")
		}
	}
	if m := c.Scan.Definitions; m != "" && m != "withhold" && m != "report" && m != "off" {
		v.errorf("scan.definitions", "must be \"withhold\", \"report\" or \"off\", got %q", truncate(m))
	}
	if m := c.Scan.SensitiveElicitation; m != "" && m != "refuse" && m != "allow" {
		v.errorf("scan.sensitive_elicitation", "must be \"refuse\" or \"allow\", got %q", truncate(m))
	}
	if m := c.Scan.Results; m != "" && m != "annotate" && m != "redact" && m != "block" && m != "off" {
		v.errorf("scan.results", "must be \"annotate\", \"redact\", \"block\" or \"off\", got %q", truncate(m))
	}
	if m := c.Scan.MinSeverity; m != "" && m != "low" && m != "medium" && m != "high" && m != "critical" {
		v.errorf("scan.min_severity", "must be low, medium, high or critical, got %q", truncate(m))
	}
	if v.has("scan.max_bytes") && (c.Scan.MaxBytes < 1024 || c.Scan.MaxBytes > 1<<30) {
		v.errorf("scan.max_bytes", "must be between 1KiB and 1GiB, got %d bytes", c.Scan.MaxBytes.Bytes())
	}
	if m := c.Scan.Learned; m != "" && m != "on" && m != "off" {
		v.errorf("scan.learned", "must be \"on\" or \"off\", got %q", truncate(m))
	}
	if cl := c.Scan.Classifier; cl != nil {
		if u, err := url.Parse(cl.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.errorf("scan.classifier.url", "must be an http(s) URL, got %q", truncate(cl.URL))
		}
		if cl.Threshold < 0 || cl.Threshold > 1 {
			v.errorf("scan.classifier.threshold", "must be between 0 and 1")
		}
	}
	if m := c.ToxicFlows.Mode; m != "" && m != "off" && m != "static" && m != "dynamic" {
		v.errorf("toxic_flows.mode", "must be \"off\", \"static\" or \"dynamic\", got %q", truncate(m))
	}
	if m := c.ToxicFlows.OnConflict; m != "" && m != "refuse" && m != "withhold_exfiltration" && m != "withhold_untrusted_input" {
		v.errorf("toxic_flows.on_conflict", "must be \"refuse\", \"withhold_exfiltration\" or \"withhold_untrusted_input\", got %q", truncate(m))
	}
	if m := c.ToxicFlows.AfterTaint; m != "" && m != "hold" && m != "deny" {
		v.errorf("toxic_flows.after_taint", "must be \"hold\" or \"deny\", got %q", truncate(m))
	}
	if c.Pin != nil && c.Pin.Mode != "" && c.Pin.Mode != PinStrict && c.Pin.Mode != PinTOFU && c.Pin.Mode != PinAudit && c.Pin.Mode != PinOff {
		m := c.Pin.Mode
		v.errorf("pin.mode", "must be %q, %q, %q or %q, got %q", PinStrict, PinTOFU, PinAudit, PinOff, truncate(m))
	}
	if a := c.Approvals; a != nil {
		v.positiveDuration("approvals.timeout", a.Timeout)
		if ad := a.Admin; ad != nil {
			if err := checkListen(ad.Listen); err != nil {
				v.errorf("approvals.admin.listen", "%s", err)
			} else if ad.Listen == c.Listen {
				v.errorf("approvals.admin.listen", "must differ from listen (the admin API has a listener of its own)")
			}
			if ad.Token.String() == "" || !ad.Token.IsRef() {
				v.errorf("approvals.admin.token", "required, as a reference (env:NAME or file:PATH)")
			}
		}
		if w := a.Webhook; w != nil {
			if u, err := url.Parse(w.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				v.errorf("approvals.webhook.url", "must be an http(s) URL, got %q", truncate(w.URL))
			}
			if w.Secret.String() == "" || !w.Secret.IsRef() {
				v.errorf("approvals.webhook.secret", "required, as a reference (env:NAME or file:PATH): it signs every notification")
			}
		}
	}
	v.telemetry()
	if v.nonEmpty("listen", c.Listen, " (omit it for the default "+DefaultListen+")") && c.Listen != "" {
		if err := checkListen(c.Listen); err != nil {
			v.errorf("listen", "%s", err)
		}
	}
	if v.nonEmpty("path", c.Path, "") && c.Path != "" {
		if !strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, "?# \t\r\n") {
			v.errorf("path", "must be an absolute URL path such as /mcp, got %q", truncate(c.Path))
		} else if _, err := url.ParseRequestURI(c.Path); err != nil {
			v.errorf("path", "invalid URL path %q", truncate(c.Path))
		} else if c.Path == "/healthz" {
			v.errorf("path", "/healthz is the gateway's health endpoint; choose another path")
		}
	}
	for i, o := range c.AllowedOrigins {
		if _, err := parseOriginPattern(o); err != nil {
			v.errorf(indexPath("allowed_origins", i), "%s", err)
		}
	}
	sep := DefaultNamespaceSeparator
	if v.has("namespace_separator") {
		if separatorRE.MatchString(c.NamespaceSeparator) {
			sep = c.NamespaceSeparator
		} else {
			v.errorf("namespace_separator", "must be 1 to 8 characters from A-Z a-z 0-9 _ -, got %q", truncate(c.NamespaceSeparator))
			sep = ""
		}
	}
	if v.has("max_body_bytes") && c.MaxBodyBytes <= 0 {
		v.errorf("max_body_bytes", "must be greater than 0, got %d", c.MaxBodyBytes)
	}
	v.positiveDuration("session_idle_timeout", c.SessionIdleTimeout)
	v.positiveDuration("protocol.input_ttl", c.Protocol.InputTTL)

	if c.Servers.Len() == 0 {
		v.errorf("servers", "at least one server is required")
	}
	prefixOwner := map[string]string{}
	for _, name := range c.Servers.Keys {
		s := c.Servers.Values[name]
		p := joinPath("servers", name)
		if s == nil {
			continue
		}
		v.server(p, name, s, sep)
		eff := name
		pp := p
		if s.Prefix != nil {
			eff = *s.Prefix
			pp = p + ".prefix"
		}
		if other, dup := prefixOwner[eff]; dup {
			if eff == "" {
				v.errorf(pp, "empty prefix is already used by server %q; at most one server can expose unprefixed tools", other)
			} else {
				v.errorf(pp, "prefix %q is already used by server %q; tool names would collide", eff, other)
			}
		} else {
			// One namespace must not start with another ("a__" and "a___"
			// for prefixes "a" and "a_"): a name would route ambiguously.
			if eff != "" && sep != "" {
				for op, owner := range prefixOwner {
					if op == "" {
						continue
					}
					if strings.HasPrefix(eff+sep, op+sep) || strings.HasPrefix(op+sep, eff+sep) {
						v.errorf(pp, "namespace %q overlaps namespace %q of server %q; exposed names would be ambiguous (choose another prefix)", eff+sep, op+sep, owner)
					}
				}
			}
			prefixOwner[eff] = name
		}
	}

	if v.has("policy.mode") {
		v.policyMode("policy.mode", c.Policy.Mode)
	}
	for i, h := range c.Policy.SSRF.AllowHosts {
		if !validAllowHost(h) {
			v.errorf(indexPath("policy.ssrf.allow_hosts", i), "a host name, an IP address or a CIDR prefix, got %q", truncate(h))
		}
	}
	if v.has("policy.default") {
		v.policyDefault("policy.default", c.Policy.Default)
	} else {
		v.warnings = append(v.warnings, (&Error{File: v.d.file, Msg: "policy.default not set: tools no rule matches are allowed"}).Error())
	}
	v.nonEmpty("audit.file", c.Audit.File, " (omit it to write no audit file, or use \"-\" for standard output)")
	if c.Audit.Store != nil && !*c.Audit.Store && c.Audit.File == "" {
		v.errorf("audit.store", "audit events need a destination: with store: false, set audit.file (a path, or \"-\" for standard output)")
	}
	v.nonEmpty("store.path", c.Store.Path, " (omit it for the default "+DefaultStoreFile+" next to the configuration file)")
	v.retention()
}

// retention checks store.retention. Deletion takes only the oldest end of
// the trail, so alerts may outlive other events but not the reverse, and
// only where events age out at all.
func (v *validator) retention() {
	r := v.cfg.Store.Retention
	if r == nil {
		return
	}
	v.positiveDuration("store.retention.max_age", r.MaxAge)
	v.positiveDuration("store.retention.alerts_max_age", r.AlertsMaxAge)
	if v.has("store.retention.max_size") && r.MaxSize <= 0 {
		v.errorf("store.retention.max_size", "must be greater than 0, got %d", r.MaxSize)
	} else if r.MaxSize > 0 && r.MaxSize < 1<<20 {
		v.errorf("store.retention.max_size", "must be at least 1MiB, got %s (the schema and indexes alone take tens of KiB)", r.MaxSize)
	}
	if v.has("store.retention.interval") && r.Interval < Duration(time.Second) {
		v.errorf("store.retention.interval", "must be at least 1s, got %s", r.Interval)
	}
	if r.AlertsMaxAge > 0 {
		switch {
		case r.MaxAge <= 0:
			v.errorf("store.retention.alerts_max_age", "requires store.retention.max_age (alerts are kept longer than other events, never shorter)")
		case r.AlertsMaxAge < r.MaxAge:
			v.errorf("store.retention.alerts_max_age", "must be at least store.retention.max_age (%s), got %s: deletion takes the oldest events first, so alerts cannot go before the events around them", r.MaxAge, r.AlertsMaxAge)
		}
	}
	if r.MaxAge == 0 && r.MaxSize == 0 && !v.has("store.retention.max_age") && !v.has("store.retention.max_size") {
		v.errorf("store.retention", "set max_age, max_size or both (or remove store.retention to keep events forever)")
	}
	if s := v.cfg.Audit.Store; s != nil && !*s {
		v.warnf("store.retention", "audit.store is false: no audit events are stored, so retention does not run")
	}
}

func (v *validator) policyMode(p, s string) {
	if s != ModeEnforce && s != ModeAudit {
		v.errorf(p, "must be %q or %q, got %q", ModeEnforce, ModeAudit, truncate(s))
	}
}

// oneLine joins a multi-line error (CEL reports with a caret line).
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

func (v *validator) policyDefault(p, s string) {
	if s != PolicyAllow && s != PolicyDeny {
		v.errorf(p, "must be %q or %q, got %q", PolicyAllow, PolicyDeny, truncate(s))
	}
}

func checkListen(listen string) error {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return fmt.Errorf("must be host:port such as 127.0.0.1:8931, got %q", truncate(listen))
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || strings.HasPrefix(port, "+") {
		return fmt.Errorf("port must be a number from 0 to 65535, got %q", truncate(port))
	}
	if strings.ContainsAny(host, " \t\r\n/") {
		return fmt.Errorf("invalid host %q", truncate(host))
	}
	return nil
}

func (v *validator) server(p, name string, s *Server, sep string) {
	switch {
	case len(name) > maxNameLen:
		v.errorf(p, "server name is longer than %d characters", maxNameLen)
	case !serverNameRE.MatchString(name):
		v.errorf(p, "invalid server name: use letters, digits, _ and -, starting with a letter or digit")
	case sep != "" && strings.Contains(name, sep):
		v.errorf(p, "server name must not contain the namespace separator %q", sep)
	}

	hasCmd, hasURL := v.has(p+".command"), v.has(p+".url")
	switch {
	case hasCmd && hasURL:
		v.errorf(p, "set either command or url, not both")
	case !hasCmd && !hasURL:
		v.errorf(p, "one of command (a local stdio server) or url (a remote server) is required")
	}
	v.nonEmpty(p+".command", s.Command, "")
	if v.nonEmpty(p+".url", s.URL, "") && s.URL != "" {
		if err := checkURL(s.URL); err != nil {
			v.errorf(p+".url", "%s", err)
		}
	}

	stdio := hasCmd && !hasURL
	remote := hasURL && !hasCmd
	if v.has(p + ".transport") {
		switch {
		case stdio && s.Transport != TransportStdio:
			v.errorf(p+".transport", "%q is not valid for a command server (only %q)", truncate(s.Transport), TransportStdio)
		case remote && s.Transport != TransportStreamableHTTP && s.Transport != TransportSSE:
			v.errorf(p+".transport", "%q is not valid for a url server (use %q or %q)", truncate(s.Transport), TransportStreamableHTTP, TransportSSE)
		}
	}
	if remote {
		for _, k := range []string{"args", "env", "dir", "restart"} {
			if v.has(p + "." + k) {
				v.errorf(p+"."+k, "only valid for command servers")
			}
		}
	}
	if stdio && v.has(p+".headers") {
		v.errorf(p+".headers", "only valid for url servers")
	}
	v.nonEmpty(p+".dir", s.Dir, " (omit it to use the configuration file's directory)")

	for _, k := range s.Env.Keys {
		kp := joinPath(p+".env", k)
		switch {
		case k == "" || strings.ContainsAny(k, "=\x00"):
			v.errorf(kp, "invalid environment variable name")
			continue
		}
		if val := s.Env.Values[k]; !val.IsRef() && !val.IsZero() && looksSecret(k) {
			v.errorf(kp, "looks like a secret written as a literal: write it as a reference (env:NAME, file:PATH or vault:PATH#FIELD)")
		}
	}

	v.headers(p+".headers", s.Headers, "the gateway", "env:NAME, file:PATH or vault:PATH#FIELD")

	v.positiveDuration(p+".timeout", s.Timeout)
	v.positiveDuration(p+".connect_timeout", s.ConnectTimeout)

	if s.Prefix != nil && *s.Prefix != "" {
		switch px := *s.Prefix; {
		case len(px) > maxNameLen:
			v.errorf(p+".prefix", "prefix is longer than %d characters", maxNameLen)
		case !serverNameRE.MatchString(px):
			v.errorf(p+".prefix", "invalid prefix %q: use letters, digits, _ and -, starting with a letter or digit (or \"\" for none)", truncate(px))
		case sep != "" && strings.Contains(px, sep):
			v.errorf(p+".prefix", "prefix must not contain the namespace separator %q", sep)
		}
	}

	if v.has(p + ".protocol") {
		switch s.Protocol {
		case ProtocolAuto, ProtocolLegacy, ProtocolModern:
			if s.Transport == TransportSSE && s.Protocol != ProtocolAuto && s.Protocol != ProtocolLegacy {
				v.errorf(p+".protocol", "%q cannot be spoken over transport %q (the HTTP+SSE transport predates it; use streamable-http)", s.Protocol, TransportSSE)
			}
		default:
			v.errorf(p+".protocol", "must be %q, %q or %q, got %q", ProtocolAuto, ProtocolLegacy, ProtocolModern, truncate(s.Protocol))
		}
	}

	if v.has(p + ".sessions") {
		if s.Sessions != SessionsShared && s.Sessions != SessionsPerClient {
			v.errorf(p+".sessions", "must be %q or %q, got %q", SessionsShared, SessionsPerClient, truncate(s.Sessions))
		}
	}

	for _, pat := range s.Tools.Keys {
		tp := joinPath(p+".tools", pat)
		if pat == "" {
			v.errorf(tp, "empty tool pattern")
			continue
		}
		if _, err := path.Match(pat, ""); err != nil {
			v.errorf(tp, "invalid glob pattern %q: unbalanced [ ] or trailing \\ (syntax: * ? [...] and \\ to escape)", truncate(pat))
			continue
		}
		if r := s.Tools.Values[pat]; r != nil {
			if r.Allow == nil && len(r.Scopes) == 0 && r.When == "" && r.Arguments == nil && r.Impact == "" && r.Labels == nil && r.Category == "" {
				v.errorf(tp, "rule sets nothing; add allow, scopes, when, arguments, impact, labels or category")
			}
			v.toolCategory(tp+".category", r.Category)
			if r.When != "" {
				if _, err := policy.Compile(r.When); err != nil {
					v.errorf(tp+".when", "%s", oneLine(err.Error()))
				}
			}
			if v.has(tp+".arguments") && r.Arguments == nil {
				r.Arguments = []string{}
			}
			for i, a := range r.Arguments {
				if a == "" {
					v.errorf(indexPath(tp+".arguments", i), "empty argument name")
				}
			}
			for i, l := range r.Labels {
				if l != "untrusted_input" && l != "exfiltration" && l != "sensitive_read" {
					v.errorf(fmt.Sprintf("%s.labels[%d]", tp, i), "must be untrusted_input, exfiltration or sensitive_read, got %q", truncate(l))
				}
			}
			if r.Impact != "" && r.Impact != ImpactLow && r.Impact != ImpactMedium && r.Impact != ImpactHigh {
				v.errorf(tp+".impact", "must be %q, %q or %q, got %q", ImpactLow, ImpactMedium, ImpactHigh, truncate(r.Impact))
			}
			v.scopes(tp+".scopes", r.Scopes)
			v.needsAuth(tp+".scopes", r.Scopes)
		}
	}

	v.scopes(p+".scopes", s.Scopes)
	v.needsAuth(p+".scopes", s.Scopes)
	if s.Resources != nil {
		if len(s.Resources.Allow) == 0 {
			v.errorf(p+".resources", "resources sets nothing; add allow: [patterns], or remove it")
		}
		for i, pat := range s.Resources.Allow {
			if pat == "" || strings.Contains(pat, "..") {
				v.errorf(indexPath(p+".resources.allow", i), "a URI pattern without \"..\", got %q", truncate(pat))
			}
		}
	}
	v.sandbox(p, s, stdio)
	v.upstreamTLS(p, s)
	v.upstreamOAuth(p, s)
	v.tokenExchange(p, s)

	if s.Policy != nil {
		if v.has(p + ".policy.default") {
			v.policyDefault(p+".policy.default", s.Policy.Default)
		}
		if v.has(p + ".policy.mode") {
			v.policyMode(p+".policy.mode", s.Policy.Mode)
		}
		if !v.has(p+".policy.default") && !v.has(p+".policy.mode") {
			v.errorf(p+".policy", "policy sets nothing; add default: allow|deny or mode: enforce|audit, or remove it")
		}
	}

	v.positiveDuration(p+".restart.initial_backoff", s.Restart.InitialBackoff)
	v.positiveDuration(p+".restart.max_backoff", s.Restart.MaxBackoff)
	if s.Restart.InitialBackoff > 0 && s.Restart.MaxBackoff > 0 && s.Restart.InitialBackoff > s.Restart.MaxBackoff {
		v.errorf(p+".restart.max_backoff", "must not be less than initial_backoff (%s)", s.Restart.InitialBackoff)
	}
}

func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL (not echoed, it may contain credentials)")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("URL scheme must be http or https, got %q", truncate(u.Scheme))
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("URL has no host")
	}
	if u.User != nil {
		return fmt.Errorf("URL must not contain credentials; send them in headers with env:NAME or file:PATH references")
	}
	return nil
}

// validAllowHost: a CIDR prefix, an IP address, or a DNS host name.
func validAllowHost(h string) bool {
	if _, err := netip.ParsePrefix(h); err == nil {
		return true
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return false
		}
	}
	return true
}

// detectActions checks detect.actions and detect.hold_for.
func (v *validator) detectActions() {
	d := v.cfg.Detect
	for _, id := range d.Actions.Keys {
		p := joinPath("detect.actions", id)
		switch id {
		case "mcp.harvest", "mcp.recon", "mcp.injection", "mcp.rug_pull", "mcp.shadowing", "mcp.token_reuse", "mcp.cross_app_flow", "mcp.header_mismatch":
		default:
			v.errorf(p, "unknown rule %q (built-in rules: mcp.harvest, mcp.recon, mcp.injection, mcp.rug_pull, mcp.shadowing, mcp.token_reuse, mcp.cross_app_flow, mcp.header_mismatch; a user rule sets action: in its rules file)", truncate(id))
			continue
		}
		switch a := d.Actions.Values[id]; a {
		case DetectActionNone, DetectActionEndSession, DetectActionHoldPrincipal:
			if a != DetectActionNone && (slices.Contains(d.Disabled, id) || slices.Contains(d.Disabled, "all")) {
				v.warnf(p, "rule %s is disabled, so its action never runs", id)
			}
		default:
			v.errorf(p, "must be end_session, hold_principal or none, got %q", truncate(a))
		}
	}
	v.positiveDuration("detect.hold_for", d.HoldFor)
}

// telemetry checks admin: and telemetry:.
func (v *validator) telemetry() {
	c := v.cfg
	if ad := c.Admin; ad != nil {
		switch err := checkListen(ad.Listen); {
		case ad.Listen == "":
			v.errorf("admin.listen", "required: the host:port of the metrics endpoint, such as 127.0.0.1:9464")
		case err != nil:
			v.errorf("admin.listen", "%s", err)
		case ad.Listen == c.Listen || (c.Listen == "" && ad.Listen == DefaultListen):
			v.errorf("admin.listen", "must differ from listen (the admin endpoint has a listener of its own)")
		case c.Approvals != nil && c.Approvals.Admin != nil && ad.Listen == c.Approvals.Admin.Listen:
			v.errorf("admin.listen", "must differ from approvals.admin.listen")
		}
		switch {
		case ad.Token.String() != "" && !ad.Token.IsRef():
			v.errorf("admin.token", "must be a reference (env:NAME or file:PATH), not a literal")
		case ad.Token.String() == "" && ad.Listen != "" && !IsLoopbackListen(ad.Listen):
			v.errorf("admin.token", "required when admin.listen is not a loopback address (%s): metrics are not served beyond this machine without a token", truncate(ad.Listen))
		}
	}
	t := c.Telemetry
	if t == nil {
		return
	}
	if r := t.SampleRatio; r != nil && (*r < 0 || *r > 1) {
		v.errorf("telemetry.sample_ratio", "must be between 0 and 1, got %g", *r)
	}
	if t.ServiceName != "" && (len(t.ServiceName) > 255 || strings.ContainsAny(t.ServiceName, "\r\n\x00")) {
		v.errorf("telemetry.service_name", "must be at most 255 characters without line breaks")
	}
	o := t.OTLP
	if o == nil {
		return
	}
	u, err := url.Parse(o.Endpoint)
	switch {
	case o.Endpoint == "":
		v.errorf("telemetry.otlp.endpoint", "required: the collector's OTLP/HTTP base URL, such as http://127.0.0.1:4318")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		v.errorf("telemetry.otlp.endpoint", "must be an http(s) base URL without query, fragment or credentials, such as http://127.0.0.1:4318, got %q", truncate(o.Endpoint))
	case u.Scheme == "http" && !o.Insecure && !isLoopbackHost(u.Hostname()):
		v.errorf("telemetry.otlp.insecure", "telemetry.otlp.endpoint %q is plain http to a host that is not a loopback address: use https, or set insecure: true to send traces and alerts unencrypted", truncate(o.Endpoint))
	}
	switch o.Logs {
	case "", OTLPLogsAlerts, OTLPLogsAll, OTLPLogsOff:
	default:
		v.errorf("telemetry.otlp.logs", "must be %q, %q or %q, got %q", OTLPLogsAlerts, OTLPLogsAll, OTLPLogsOff, truncate(o.Logs))
	}
	v.headers("telemetry.otlp.headers", o.Headers, "the exporter", "env:NAME or file:PATH")
}

// isLoopbackHost reports whether host (no port) is localhost or a loopback IP.
func isLoopbackHost(host string) bool {
	return IsLoopbackListen(net.JoinHostPort(host, "0"))
}

// headers checks a map of HTTP headers to send: valid names, none the
// sender (manager) sets itself, no duplicate by case, secret-looking
// values only as references (refs names the forms), no line breaks.
func (v *validator) headers(p string, h OrderedMap[Value], manager, refs string) {
	seen := map[string]string{}
	for _, k := range h.Keys {
		kp := joinPath(p, k)
		lk := strings.ToLower(k)
		if !headerNameRE.MatchString(k) {
			v.errorf(kp, "invalid HTTP header name")
			continue
		}
		if reservedHeaders[lk] || strings.HasPrefix(lk, "mcp-param-") {
			v.errorf(kp, "header is managed by %s and cannot be set", manager)
			continue
		}
		if first, dup := seen[lk]; dup {
			v.errorf(kp, "duplicate header (same as %q; header names are case-insensitive)", first)
			continue
		}
		seen[lk] = k
		val := h.Values[k]
		if val.IsRef() {
			continue
		}
		if looksSecret(k) {
			v.errorf(kp, "secrets must be references (%s), not literals", refs)
			continue
		}
		if strings.ContainsAny(val.String(), "\r\n\x00") {
			v.errorf(kp, "header value must not contain line breaks or NUL")
		}
	}
}
