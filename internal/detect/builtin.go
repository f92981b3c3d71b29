package detect

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/policy"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Thresholds of the built-in rules (config detect.thresholds).
type Thresholds struct {
	// ReconListsPerSession: list requests of one kind in one session
	// beyond which the session is probing (default 5).
	ReconListsPerSession int
	// ReconSessionsPerPrincipal: fresh sessions of one principal that list
	// tools within ReconWindow (default 20).
	ReconSessionsPerPrincipal int
	ReconWindow               time.Duration // default 10 minutes
	// RugPullMinAge: a definition pinned longer than this that changes is
	// a rug pull (default 7 days); younger pins raise a low alert.
	RugPullMinAge time.Duration
	// TokenMemory: how long a token of an ended session is remembered
	// (default 24 hours).
	TokenMemory time.Duration
	// HarvestWindow: the window calls are counted in (default 5 minutes).
	HarvestWindow time.Duration
	// HarvestIdenticalFloor, HarvestTotalFloor: limits for an identity
	// without HarvestHistoryWindows windows of history (default 100
	// near-identical calls, 500 calls).
	HarvestIdenticalFloor, HarvestTotalFloor int
	// HarvestHistoryWindows: windows of history before the baseline counts
	// (default 3).
	HarvestHistoryWindows int
	// HarvestFactor: with history, the limit is this times the baseline
	// (default 4), never below HarvestIdenticalMin / HarvestTotalMin
	// (default 30 / 100).
	HarvestFactor                        float64
	HarvestIdenticalMin, HarvestTotalMin int
}

func (t *Thresholds) defaults() {
	if t.ReconListsPerSession <= 0 {
		t.ReconListsPerSession = 5
	}
	if t.ReconSessionsPerPrincipal <= 0 {
		t.ReconSessionsPerPrincipal = 20
	}
	if t.ReconWindow <= 0 {
		t.ReconWindow = 10 * time.Minute
	}
	if t.RugPullMinAge <= 0 {
		t.RugPullMinAge = 7 * 24 * time.Hour
	}
	if t.TokenMemory <= 0 {
		t.TokenMemory = 24 * time.Hour
	}
	if t.HarvestWindow <= 0 {
		t.HarvestWindow = 5 * time.Minute
	}
	if t.HarvestIdenticalFloor <= 0 {
		t.HarvestIdenticalFloor = 100
	}
	if t.HarvestTotalFloor <= 0 {
		t.HarvestTotalFloor = 500
	}
	if t.HarvestHistoryWindows <= 0 {
		t.HarvestHistoryWindows = 3
	}
	if t.HarvestFactor <= 0 {
		t.HarvestFactor = 4
	}
	if t.HarvestIdenticalMin <= 0 {
		t.HarvestIdenticalMin = 30
	}
	if t.HarvestTotalMin <= 0 {
		t.HarvestTotalMin = 100
	}
}

// Labeler says which toxic-flow labels a tool has (the gateway's
// configured labels, else inferred).
type Labeler func(server, tool string) []string

// Builtins returns the built-in streaming rules with their thresholds.
func Builtins(t Thresholds, sc *scan.Scanner, labels Labeler) []Rule {
	t.defaults()
	if labels == nil {
		labels = func(_, tool string) []string { return policy.InferLabels(tool, nil) }
	}
	return []Rule{
		&recon{t: t, sessions: newWindowed[*reconSession](), principals: newWindowed[*reconPrincipal]()},
		&injection{sc: sc, labels: labels, sessions: newWindowed[*injSession]()},
		&rugPull{t: t},
		&shadowing{},
		&tokenReuse{t: t, ended: newWindowed[*endedToken](), live: newWindowed[string]()},
		&crossApp{labels: labels, sessions: newWindowed[*flowSession]()},
		&harvest{t: t, principals: newWindowed[*harvestState]()},
		&headerMismatch{},
	}
}

// windowed is a map whose entries expire: bounded state per session or
// principal.
type windowed[V any] struct {
	m     map[string]*wentry[V]
	swept time.Time
}

type wentry[V any] struct {
	v    V
	last time.Time
}

func newWindowed[V any]() *windowed[V] { return &windowed[V]{m: map[string]*wentry[V]{}} }

const (
	stateTTL  = time.Hour
	stateMax  = 200000
	sweepEach = time.Minute
)

func (w *windowed[V]) get(k string, now time.Time, mk func() V) V {
	w.sweep(now)
	e := w.m[k]
	if e == nil {
		e = &wentry[V]{v: mk()}
		w.m[k] = e
	}
	e.last = now
	return e.v
}

func (w *windowed[V]) lookup(k string) (V, bool) {
	e := w.m[k]
	if e == nil {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (w *windowed[V]) sweep(now time.Time) {
	if now.Sub(w.swept) < sweepEach && len(w.m) < stateMax {
		return
	}
	w.swept = now
	ttl := stateTTL
	if len(w.m) >= stateMax {
		ttl = time.Minute
	}
	for k, e := range w.m {
		if now.Sub(e.last) > ttl {
			delete(w.m, k)
		}
	}
	// Still full (a flood of fresh sessions): drop entries until a tenth
	// is free. Memory stays bounded; the flood itself is what mcp.recon
	// reports.
	for k := range w.m {
		if len(w.m) < stateMax*9/10 {
			break
		}
		delete(w.m, k)
	}
}

// --- mcp.recon ---------------------------------------------------------

type recon struct {
	t          Thresholds
	sessions   *windowed[*reconSession]
	principals *windowed[*reconPrincipal]
}

type reconSession struct {
	counts map[string]int
	ids    []string
}

type reconPrincipal struct {
	sessions map[string]time.Time
	ids      []string
}

func (r *recon) ID() string { return RuleRecon }

func (r *recon) Observe(ev *audit.Event, now time.Time) []Alert {
	switch ev.Type {
	case audit.TypeToolsList, audit.TypeResourcesList, audit.TypePromptsList, audit.TypeResourcesTemplatesList:
	default:
		return nil
	}
	if ev.SessionID == "" {
		return nil
	}
	var out []Alert
	s := r.sessions.get(ev.SessionID, now, func() *reconSession { return &reconSession{counts: map[string]int{}} })
	s.counts[ev.Type]++
	s.ids = lastIDs(append(s.ids, ev.EventID), 20)
	if n := s.counts[ev.Type]; n > r.t.ReconListsPerSession {
		out = append(out, Alert{Rule: RuleRecon, Severity: "medium", Principal: ev.Principal, SessionID: ev.SessionID,
			Summary:  fmt.Sprintf("%s repeated %d times in one session (more than %d): the client is probing the gateway's catalog", ev.Type, n, r.t.ReconListsPerSession),
			EventIDs: lastIDs(s.ids, 10), Key: ev.SessionID + "\x00" + ev.Type, Detail: map[string]any{"count": n, "list": ev.Type}})
	}
	if ev.Type == audit.TypeToolsList {
		pk := principalKey(ev.Principal)
		p := r.principals.get(pk, now, func() *reconPrincipal { return &reconPrincipal{sessions: map[string]time.Time{}} })
		if _, ok := p.sessions[ev.SessionID]; !ok {
			p.sessions[ev.SessionID] = now
			p.ids = lastIDs(append(p.ids, ev.EventID), 20)
		}
		for id, t := range p.sessions {
			if now.Sub(t) > r.t.ReconWindow {
				delete(p.sessions, id)
			}
		}
		if n := len(p.sessions); n > r.t.ReconSessionsPerPrincipal {
			out = append(out, Alert{Rule: RuleRecon, Severity: "medium", Principal: ev.Principal, SessionID: ev.SessionID,
				Summary:  fmt.Sprintf("%s listed tools from %d fresh sessions within %s: scanning with new sessions", ev.Principal.Subject, n, r.t.ReconWindow),
				EventIDs: lastIDs(p.ids, 10), Key: "principal\x00" + pk, Detail: map[string]any{"sessions": n}})
		}
	}
	return out
}

// --- mcp.injection -----------------------------------------------------

type injection struct {
	sc       *scan.Scanner
	labels   Labeler
	sessions *windowed[*injSession]
}

type injSession struct {
	injected   bool
	injectedAt string // event id
	injectedIn string // server/tool
}

func (r *injection) ID() string { return RuleInjection }

// Observe scans arguments (as untrusted text) and reads the gateway's
// result scan; once a session carried injected content, a later call of an
// exfiltration-capable tool in that session raises a high alert.
//
// The result's findings are on the call's event (scan.results block or
// redact) or on the scan.result event that follows it (annotate: the
// result is scanned behind the answer, and the session's next request
// waits for that event).
func (r *injection) Observe(ev *audit.Event, now time.Time) []Alert {
	isCall := ev.Type == audit.TypeToolsCall
	if (!isCall && ev.Type != audit.TypeScanResult) || ev.SessionID == "" {
		return nil
	}
	var out []Alert
	s := r.sessions.get(ev.SessionID, now, func() *injSession { return &injSession{} })
	// A call after injected content: exfiltration-capable?
	if isCall && s.injected && ev.Decision.Action == audit.ActionAllow && slices.Contains(r.labels(ev.Server, ev.Tool), policy.LabelExfiltration) {
		out = append(out, Alert{Rule: RuleInjection, Severity: "high", Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
			Summary:  fmt.Sprintf("after injected content (in %s), the session called %s/%s, which can send data out", s.injectedIn, ev.Server, ev.Tool),
			EventIDs: []string{s.injectedAt, ev.EventID}, Key: ev.SessionID + "\x00exfil\x00" + ev.Server + "/" + ev.Tool,
			Detail: map[string]any{"stage": "exfiltration"}})
	}
	var found []scan.Finding
	where := ""
	if isCall && r.sc != nil && len(ev.Arguments) > 0 {
		for _, f := range r.sc.Result(ev.Server, ev.Tool, scan.AsStructuredResult(ev.Arguments)) {
			if f.Severity >= scan.Medium {
				f.Field = strings.Replace(f.Field, "result.structuredContent", "arguments", 1)
				found = append(found, f)
			}
		}
		if len(found) > 0 {
			where = "arguments"
		}
	}
	if sev, ok := ev.Detail["scan_max_severity"].(string); ok {
		if s2, err := scan.ParseSeverity(sev); err == nil && s2 >= scan.Medium {
			where = strings.TrimPrefix(where+" and result", " and ")
			found = append(found, scan.Finding{Rule: "result", Severity: s2})
		}
	}
	if len(found) == 0 {
		return out
	}
	max := scan.Max(found)
	rules := map[string]bool{}
	for _, f := range found {
		rules[f.Rule] = true
	}
	if !s.injected {
		s.injected, s.injectedAt, s.injectedIn = true, ev.EventID, ev.Server+"/"+ev.Tool
	}
	sev := "medium"
	if max >= scan.High {
		sev = "high"
	}
	out = append(out, Alert{Rule: RuleInjection, Severity: sev, Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
		Summary:  fmt.Sprintf("prompt injection patterns in the %s of %s/%s (%s)", where, ev.Server, ev.Tool, strings.Join(sortedKeys(rules), ", ")),
		EventIDs: []string{ev.EventID}, Key: ev.SessionID + "\x00" + ev.Server + "/" + ev.Tool + "\x00" + where,
		Detail: map[string]any{"where": where, "findings": sortedKeys(rules)}})
	return out
}

// --- mcp.rug_pull ------------------------------------------------------

type rugPull struct{ t Thresholds }

func (r *rugPull) ID() string { return RuleRugPull }

func (r *rugPull) Observe(ev *audit.Event, now time.Time) []Alert {
	if ev.Type != "pin.mismatch" || ev.Detail["status"] != "changed" {
		return nil
	}
	sev := "low"
	age := time.Duration(0)
	if fs, ok := ev.Detail["pinned_first_seen"].(string); ok {
		if t, err := time.Parse(time.RFC3339, fs); err == nil {
			age = now.Sub(t)
		}
	}
	high := ev.Detail["severity"] == "high"
	if age >= r.t.RugPullMinAge {
		sev = "medium"
		if high {
			sev = "high"
		}
	}
	what := "a tool definition changed"
	if high {
		what = "a tool definition changed and gained capabilities"
	}
	return []Alert{{Rule: RuleRugPull, Severity: sev, Principal: ev.Principal, Server: ev.Server, Tool: ev.Tool,
		Summary:  fmt.Sprintf("%s: %s/%s, pinned %s ago", what, ev.Server, ev.Tool, age.Round(time.Hour)),
		EventIDs: []string{ev.EventID}, Key: ev.Server + "/" + ev.Tool + "\x00" + ev.SchemaHash,
		Detail: map[string]any{"pinned_for_hours": int(age.Hours()), "capability_words": ev.Detail["capability_words"], "risky_arguments": ev.Detail["risky_arguments"]}}}
}

// --- mcp.shadowing -----------------------------------------------------

type shadowing struct{}

func (r *shadowing) ID() string { return RuleShadowing }

func (r *shadowing) Observe(ev *audit.Event, now time.Time) []Alert {
	if ev.Type != "scan.shadowing" {
		return nil
	}
	sev, _ := ev.Detail["severity"].(string)
	if sev == "" || sev == "info" || sev == "low" {
		return nil
	}
	msg, _ := ev.Detail["message"].(string)
	rule, _ := ev.Detail["rule"].(string)
	return []Alert{{Rule: RuleShadowing, Severity: sev, Principal: ev.Principal, Server: ev.Server, Tool: ev.Tool,
		Summary: "tool shadowing: " + msg, EventIDs: []string{ev.EventID}, Key: ev.Server + "/" + ev.Tool + "\x00" + rule,
		Detail: map[string]any{"check": rule}}}
}

// --- mcp.token_reuse ---------------------------------------------------

type tokenReuse struct {
	t     Thresholds
	ended *windowed[*endedToken]
	live  *windowed[string] // jti → session it is live in
}

type endedToken struct {
	session string
	eventID string
	at      time.Time
	reason  string
}

func (r *tokenReuse) ID() string { return RuleTokenReuse }

func (r *tokenReuse) Observe(ev *audit.Event, now time.Time) []Alert {
	jti := ev.Principal.TokenID
	if jti == "" || ev.SessionID == "" {
		return nil
	}
	if ev.Type == audit.TypeSessionEnd {
		r.ended.get(jti, now, func() *endedToken { return &endedToken{} })
		e, _ := r.ended.lookup(jti)
		reason, _ := ev.Detail["reason"].(string)
		*e = endedToken{session: ev.SessionID, eventID: ev.EventID, at: now, reason: reason}
		return nil
	}
	e, ok := r.ended.lookup(jti)
	if !ok || e.session == ev.SessionID || now.Sub(e.at) > r.t.TokenMemory {
		return nil
	}
	return []Alert{{Rule: RuleTokenReuse, Severity: "medium", Principal: ev.Principal, SessionID: ev.SessionID,
		Summary:  fmt.Sprintf("token %s was used again %s after its session %s ended (%s): a replayed or stolen token?", truncate(jti, 16), now.Sub(e.at).Round(time.Second), truncate(e.session, 12), e.reason),
		EventIDs: []string{e.eventID, ev.EventID}, Key: jti + "\x00" + ev.SessionID,
		Detail: map[string]any{"ended_session": e.session}}}
}

// --- mcp.cross_app_flow ------------------------------------------------

type crossApp struct {
	labels   Labeler
	sessions *windowed[*flowSession]
}

type flowSrc struct{ server, tool, eventID string }

type flowSession struct{ src map[uint64]flowSrc }

const maxFlowFingerprints = 4096

func (r *crossApp) ID() string { return RuleCrossAppFlow }

// Observe remembers the fingerprints of each result (detail.result_fp, set
// by the gateway, when of this version: detail.result_fp_v) and flags arguments to another server's tool that carry
// them.
func (r *crossApp) Observe(ev *audit.Event, now time.Time) []Alert {
	if ev.Type == audit.TypeResultFingerprints {
		// a large result's fingerprints, computed behind its answer: the
		// source is the call (detail.call_event_id)
		if ev.SessionID != "" {
			id, _ := ev.Detail["call_event_id"].(string)
			if id == "" {
				id = ev.EventID
			}
			r.remember(r.sessions.get(ev.SessionID, now, newFlowSession), ev, id)
		}
		return nil
	}
	if ev.Type != audit.TypeToolsCall || ev.SessionID == "" || ev.Status.Outcome != audit.OutcomeOK {
		return nil
	}
	s := r.sessions.get(ev.SessionID, now, newFlowSession)
	var out []Alert
	if len(ev.Arguments) > 2 && len(s.src) > 0 {
		from := map[string]flowSrc{}
		matches := 0
		for _, fp := range ValueFingerprints(ev.Arguments) {
			if src, ok := s.src[fp]; ok && src.server != ev.Server {
				from[src.server+"/"+src.tool] = src
				matches++
			}
		}
		if matches > 0 {
			var names, ids []string
			sensitive := false
			for k, src := range from {
				names = append(names, k)
				ids = append(ids, src.eventID)
				sensitive = sensitive || slices.Contains(r.labels(src.server, src.tool), policy.LabelSensitiveRead)
			}
			slices.Sort(names)
			slices.Sort(ids)
			sev := "low"
			if matches >= 2 {
				sev = "medium"
			}
			if sensitive || slices.Contains(r.labels(ev.Server, ev.Tool), policy.LabelExfiltration) {
				sev = "high"
			}
			out = append(out, Alert{Rule: RuleCrossAppFlow, Severity: sev, Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
				Summary:  fmt.Sprintf("content returned by %s was passed to %s/%s (%d matching fingerprints)", strings.Join(names, ", "), ev.Server, ev.Tool, matches),
				EventIDs: append(ids, ev.EventID), Key: ev.SessionID + "\x00" + strings.Join(names, ",") + "\x00" + ev.Server + "/" + ev.Tool,
				Detail: map[string]any{"from": names, "matches": matches}})
		}
	}
	r.remember(s, ev, ev.EventID)
	return out
}

func newFlowSession() *flowSession { return &flowSession{src: map[uint64]flowSrc{}} }

// remember keeps the fingerprints of ev's result (detail.result_fp), as
// content of ev's server and tool, returned by the call of event callID.
func (r *crossApp) remember(s *flowSession, ev *audit.Event, callID string) {
	for _, fp := range resultFingerprints(ev.Detail) {
		if len(s.src) >= maxFlowFingerprints {
			break
		}
		s.src[fp] = flowSrc{server: ev.Server, tool: ev.Tool, eventID: callID}
	}
}

// --- mcp.harvest -------------------------------------------------------

// harvest counts each identity's calls per window, in total and per
// near-identical call (same tool, arguments equal once digits are taken
// out: get_customer {"id": 1..500} is one call shape), against the
// identity's own baseline (the moving average of its earlier windows),
// with absolute floors for identities that have no history yet.
type harvest struct {
	t          Thresholds
	principals *windowed[*harvestState]
}

type harvestState struct {
	start    time.Time
	total    int
	shapes   map[string]int
	ids      []string
	windows  int     // complete windows seen
	baseTot  float64 // moving average of totals
	baseMax  float64 // moving average of the largest shape count
	reported map[string]bool
}

func (r *harvest) ID() string { return RuleHarvest }

func (r *harvest) Observe(ev *audit.Event, now time.Time) []Alert {
	if ev.Type != audit.TypeToolsCall || ev.Decision.Action != audit.ActionAllow {
		return nil
	}
	pk := principalKey(ev.Principal)
	s := r.principals.get(pk, now, func() *harvestState {
		return &harvestState{start: now, shapes: map[string]int{}, reported: map[string]bool{}}
	})
	if now.Sub(s.start) >= r.t.HarvestWindow {
		// Close the window(s): fold into the baseline (idle windows count
		// as zero).
		n := int(now.Sub(s.start) / r.t.HarvestWindow)
		maxShape := 0
		for _, c := range s.shapes {
			maxShape = max(maxShape, c)
		}
		for i := 0; i < min(n, 12); i++ {
			tot, mx := float64(s.total), float64(maxShape)
			if i > 0 {
				tot, mx = 0, 0
			}
			if s.windows == 0 {
				s.baseTot, s.baseMax = tot, mx
			} else {
				s.baseTot = 0.7*s.baseTot + 0.3*tot
				s.baseMax = 0.7*s.baseMax + 0.3*mx
			}
			s.windows++
		}
		s.start = s.start.Add(time.Duration(n) * r.t.HarvestWindow)
		s.total, s.shapes, s.ids, s.reported = 0, map[string]int{}, nil, map[string]bool{}
	}
	s.total++
	shape := ev.Server + "/" + ev.Tool + " " + shapeOf(ev.Arguments)
	if len(s.shapes) < 1000 || s.shapes[shape] > 0 {
		s.shapes[shape]++
	}
	s.ids = lastIDs(append(s.ids, ev.EventID), 10)
	history := s.windows >= r.t.HarvestHistoryWindows
	shapeLimit, totalLimit := float64(r.t.HarvestIdenticalFloor), float64(r.t.HarvestTotalFloor)
	if history {
		shapeLimit = max(float64(r.t.HarvestIdenticalMin), r.t.HarvestFactor*s.baseMax)
		totalLimit = max(float64(r.t.HarvestTotalMin), r.t.HarvestFactor*s.baseTot)
	}
	var out []Alert
	basis := "no history yet: absolute floor"
	if history {
		basis = fmt.Sprintf("%.0f× its baseline of %d windows", r.t.HarvestFactor, s.windows)
	}
	if c := s.shapes[shape]; float64(c) > shapeLimit && !s.reported["shape"] {
		s.reported["shape"] = true
		out = append(out, Alert{Rule: RuleHarvest, Severity: "high", Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
			Summary:  fmt.Sprintf("%s made %d near-identical calls of %s/%s within %s (limit %.0f, %s): harvesting?", ev.Principal.Subject, c, ev.Server, ev.Tool, r.t.HarvestWindow, shapeLimit, basis),
			EventIDs: lastIDs(s.ids, 10), Key: pk + "\x00shape\x00" + s.start.String(), Detail: map[string]any{"count": c, "limit": shapeLimit, "shape": truncate(shape, 200)}})
	}
	if float64(s.total) > totalLimit && !s.reported["total"] {
		s.reported["total"] = true
		out = append(out, Alert{Rule: RuleHarvest, Severity: "medium", Principal: ev.Principal, SessionID: ev.SessionID,
			Summary:  fmt.Sprintf("%s made %d calls within %s (limit %.0f, %s)", ev.Principal.Subject, s.total, r.t.HarvestWindow, totalLimit, basis),
			EventIDs: lastIDs(s.ids, 10), Key: pk + "\x00total\x00" + s.start.String(), Detail: map[string]any{"count": s.total, "limit": totalLimit}})
	}
	return out
}

// shapeOf is the arguments with every run of digits replaced by '#': calls
// that differ only in ids, page numbers or dates have one shape.
func shapeOf(args json.RawMessage) string {
	b := make([]byte, 0, min(len(args), 512))
	digit := false
	for _, c := range args {
		if len(b) >= 512 {
			break
		}
		if c >= '0' && c <= '9' {
			if !digit {
				b = append(b, '#')
			}
			digit = true
			continue
		}
		digit = false
		b = append(b, c)
	}
	return string(b)
}

// --- mcp.header_mismatch -------------------------------------------------

// headerMismatch: a 2026-07-28 request whose mirrored headers (Mcp-Name,
// Mcp-Method, MCP-Protocol-Version) contradict its body was refused
// (protocol.error by transport-headers with detail.mismatch). Such a
// request is crafted: a proxy routing on the header would see one tool
// while the body calls another (header smuggling). High when the body's
// tool would have been refused (detail.body_denied), medium otherwise.
type headerMismatch struct{}

func (r *headerMismatch) ID() string { return RuleHeaderMismatch }

func (r *headerMismatch) Observe(ev *audit.Event, now time.Time) []Alert {
	if ev.Type != audit.TypeProtocolError || ev.Decision.Guard != "transport-headers" {
		return nil
	}
	if m, _ := ev.Detail["mismatch"].(bool); !m {
		return nil
	}
	header, _ := ev.Detail["header"].(string)
	hv, _ := ev.Detail["header_value"].(string)
	bv, _ := ev.Detail["body_value"].(string)
	sev := "medium"
	if d, _ := ev.Detail["body_denied"].(bool); d {
		sev = "high"
	}
	return []Alert{{Rule: RuleHeaderMismatch, Severity: sev, Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
		Summary:  fmt.Sprintf("header smuggling: %s says %q but the body says %q (refused)", header, truncate(hv, 80), truncate(bv, 80)),
		EventIDs: []string{ev.EventID}, Key: ev.Principal.Subject + "\x00" + header + "\x00" + hv + "\x00" + bv,
		Detail: map[string]any{"header": header, "header_value": hv, "body_value": bv}}}
}
