package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Scanning (B8): tool definitions are scanned when listed (a guard that
// withholds poisoned tools, with findings cached by definition hash), and
// tool results on their way back (annotated in the audit event, redacted
// or blocked). The scanner is deterministic and offline.

// ScanGuardName is the definition scan guard's name.
const ScanGuardName = "scan"

type scanState struct {
	sc      *scan.Scanner
	defs    string // withhold, report, off
	results string // annotate, redact, block, off
	min     scan.Severity
	// classifier: an HTTP classifier is configured (its round trip is
	// kept off the answer's path: scanbehind.go)
	classifier bool
	cache      sync.Map // definition hash → []scan.Finding
	// reported remembers what was already audited (definitions by hash,
	// shadowing findings).
	reported sync.Map
}

func newScanState(cfg *config.Config) *scanState {
	st := &scanState{defs: cfg.Scan.Definitions, results: cfg.Scan.Results, min: scan.High}
	if sev, err := scan.ParseSeverity(cfg.Scan.MinSeverity); err == nil {
		st.min = sev
	}
	opts := scan.Options{NoLearned: cfg.Scan.Learned == "off", MaxBytes: int(cfg.Scan.MaxBytes.Bytes())}
	if cl := cfg.Scan.Classifier; cl != nil {
		opts.Classifier = &scan.HTTPClassifier{URL: cl.URL, Threshold: cl.Threshold, Client: &http.Client{Timeout: 5 * time.Second}}
		st.classifier = true
	}
	st.sc = scan.New(opts)
	return st
}

// Scanner returns the gateway's scanner (for the CLI).
func (g *Gateway) Scanner() *scan.Scanner { return g.scan.sc }

// definition returns the findings of a tool definition (cached by hash).
func (st *scanState) definition(server string, def json.RawMessage, hash string) []scan.Finding {
	if hash != "" {
		if v, ok := st.cache.Load(server + "\x00" + hash); ok {
			return v.([]scan.Finding)
		}
	}
	fs := st.sc.Tool(server, def)
	if hash != "" {
		st.cache.Store(server+"\x00"+hash, fs)
	}
	return fs
}

// scanGuard withholds tools whose definitions carry findings at or above
// the configured severity (scan.definitions: withhold).
type scanGuard struct{ st *scanState }

func (g *scanGuard) Name() string { return ScanGuardName }

func (g *scanGuard) Check(_ context.Context, c *guard.Call) guard.Decision {
	st := g.st
	if st.defs != "withhold" || c.Method != "tools/call" || len(c.Definition) == 0 {
		return guard.Allowed
	}
	fs := st.definition(c.Server, c.Definition, c.SchemaHash)
	if scan.Max(fs) < st.min || len(fs) == 0 {
		return guard.Allowed
	}
	return guard.Decision{Action: guard.Deny, Guard: ScanGuardName,
		Reason: fmt.Sprintf("the definition of tool %q of server %q looks poisoned: %s (scan.definitions: withhold)", c.Name, c.Server, summarize(fs, st.min))}
}

// summarize names the findings at or above min: "rule (severity) in field".
func summarize(fs []scan.Finding, min scan.Severity) string {
	var parts []string
	seen := map[string]bool{}
	for _, f := range fs {
		if f.Severity < min {
			continue
		}
		s := fmt.Sprintf("%s (%s) in %s", f.Rule, f.Severity, f.Field)
		if !seen[s] {
			seen[s] = true
			parts = append(parts, s)
		}
		if len(parts) == 5 {
			parts = append(parts, "...")
			break
		}
	}
	return strings.Join(parts, "; ")
}

// findingsDetail is the compact form of findings in an audit event.
func findingsDetail(fs []scan.Finding) []map[string]any {
	out := make([]map[string]any, 0, len(fs))
	for _, f := range fs {
		out = append(out, map[string]any{"rule": f.Rule, "severity": f.Severity.String(), "field": f.Field, "excerpt": f.Excerpt})
		if len(out) == 20 {
			break
		}
	}
	return out
}

// scanResult scans a tools/call result. It returns the findings, the
// result to send (redacted when the policy says so), and whether the
// result must be withheld (block).
func (st *scanState) scanResult(server, tool string, result json.RawMessage) ([]scan.Finding, json.RawMessage, bool) {
	if st.results == "off" || len(result) == 0 {
		return nil, result, false
	}
	if st.results != "redact" {
		// Annotate and block need the findings only: the scanner reads
		// the result itself (text, structured content, embedded resource
		// text; binary content skipped).
		fs := st.sc.Result(server, tool, result)
		if len(fs) == 0 {
			return nil, result, false
		}
		return fs, result, st.results == "block" && (scan.Max(fs) >= st.min || unreadable(fs))
	}
	var v any
	if err := json.Unmarshal(result, &v); err != nil {
		return nil, result, false
	}
	type leaf struct {
		path string
		set  func(string)
		text string
	}
	var leaves []leaf
	var walk func(path string, v any, set func(any))
	walk = func(path string, v any, set func(any)) {
		switch t := v.(type) {
		case string:
			leaves = append(leaves, leaf{path: path, text: t, set: func(s string) { set(s) }})
		case []any:
			for i := range t {
				walk(path+"["+strconv.Itoa(i)+"]", t[i], func(x any) { t[i] = x })
			}
		case map[string]any:
			typ, _ := t["type"].(string)
			for k, x := range t {
				switch k {
				case "type", "mimeType", "_meta", "uri", "annotations":
					continue // protocol fields, not content
				case "blob":
					continue // binary, base64 by definition
				case "data":
					if typ == "image" || typ == "audio" {
						continue
					}
				}
				walk(path+"."+k, x, func(y any) { t[k] = y })
			}
		}
	}
	walk("result", v, func(any) {})
	var all []scan.Finding
	redacted := false
	budget := st.sc.NewBudget() // scan.max_bytes, for the whole result
	for _, l := range leaves {
		fs := st.sc.TextIn(budget, server, tool, l.path, l.text)
		if len(fs) == 0 {
			continue
		}
		all = append(all, fs...)
		if st.results == "redact" && (scan.Max(fs) >= st.min || unscannedTail(fs)) {
			l.set(redact(l.text, fs, st.min))
			redacted = true
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Field < all[j].Field })
	if len(all) == 0 {
		return nil, result, false
	}
	if st.results == "block" && scan.Max(all) >= st.min {
		return all, result, true
	}
	if redacted {
		if b, err := json.Marshal(v); err == nil {
			return all, b, false
		}
	}
	return all, result, false
}

// unreadable reports whether the scanner could not read a result as a
// tool result (not an object, content not an array): its text was not
// checked, so block mode withholds it (fail closed). Annotate mode records
// the finding and passes the result on, as it does every finding.
func unreadable(fs []scan.Finding) bool {
	for _, f := range fs {
		if f.Rule == scan.RuleUnparsable && (f.Field == "result" || f.Field == "result.content") {
			return true
		}
	}
	return false
}

// unscannedTail reports whether a text's findings say that its end was
// not read (scan.max_bytes): redact takes that part out, whatever
// min_severity says, since it was not checked.
func unscannedTail(fs []scan.Finding) bool {
	for _, f := range fs {
		if f.Rule == scan.RuleUnparsable && f.Start < f.End {
			return true
		}
	}
	return false
}

// withheldWhy says why block mode withheld a result: what looks like an
// injection, or that the result could not be read to be checked.
func withheldWhy(fs []scan.Finding, min scan.Severity) string {
	var found []scan.Finding
	for _, f := range fs {
		if f.Rule != scan.RuleUnparsable {
			found = append(found, f)
		}
	}
	if scan.Max(found) >= min {
		return "it looks like an injection attempt: " + summarize(found, min)
	}
	for _, f := range fs {
		if f.Rule == scan.RuleUnparsable {
			return "it could not be checked: " + f.Message
		}
	}
	return summarize(fs, min)
}

// redact replaces the spans of findings at or above min in text.
func redact(text string, fs []scan.Finding, min scan.Severity) string {
	type span struct{ s, e int }
	var spans []span
	for _, f := range fs {
		if (f.Severity >= min || f.Rule == scan.RuleUnparsable) && f.Start >= 0 && f.End <= len(text) && f.Start < f.End {
			spans = append(spans, span{f.Start, f.End})
		}
	}
	if len(spans) == 0 {
		return text
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].s < spans[j].s })
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		if sp.s < last {
			if sp.e > last {
				last = sp.e
			}
			continue
		}
		b.WriteString(text[last:sp.s])
		b.WriteString("[redacted by mcpwarden]")
		last = sp.e
	}
	b.WriteString(text[last:])
	return b.String()
}

// applyResultScan scans an allowed call's result and applies the policy:
// it returns the response to send and the audit detail to add.
func (s *Session) applyResultScan(srv *server, gc *guard.Call, id json.RawMessage, r *jsonrpc.Message, correlation string) ([]byte, []scan.Finding, bool) {
	st := s.g.scan
	fs, res, block := st.scanResult(srv.name, gc.Name, r.Result)
	if len(fs) == 0 {
		return nil, nil, false
	}
	if block {
		e := jsonrpc.Errorf(jsonrpc.CodeDenied, "the result of tool %q was withheld: %s (scan.results: block)",
			gc.Name, withheldWhy(fs, st.min)).WithData(map[string]any{"guard": ScanGuardName, "correlation_id": correlation})
		return jsonrpc.NewError(id, e), fs, true
	}
	if string(res) != string(r.Result) {
		return jsonrpc.NewResult(id, res), fs, false
	}
	return nil, fs, false
}

// TypeScanFinding is the audit event of a definition with findings (once
// per server, tool and definition hash); TypeScanShadowing of a name or
// reference that shadows another server's tool.
const (
	TypeScanFinding   = "scan.finding"
	TypeScanShadowing = "scan.shadowing"
)

// noteDefinition reports a listed tool definition's findings once.
func (g *Gateway) noteDefinition(srv *server, kind, name string, def json.RawMessage, hash string) {
	st := g.scan
	if kind != "tool" || st.defs == "off" || hash == "" {
		return
	}
	key := "def\x00" + srv.name + "\x00" + name + "\x00" + hash
	if _, dup := st.reported.LoadOrStore(key, true); dup {
		return
	}
	fs := st.definition(srv.name, def, hash)
	var shown []scan.Finding
	for _, f := range fs {
		if f.Severity >= scan.Medium {
			shown = append(shown, f)
		}
	}
	if len(shown) == 0 {
		return
	}
	ev := systemEvent(TypeScanFinding, srv.name)
	ev.Tool, ev.SchemaHash = name, hash
	action := "reported"
	if st.defs == "withhold" && scan.Max(fs) >= st.min {
		action = "withheld"
		ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: ScanGuardName, Reason: "the definition looks poisoned: " + summarize(fs, st.min)}
	}
	ev.Detail = map[string]any{"findings": findingsDetail(shown), "max_severity": scan.Max(fs).String(), "action": action}
	_ = g.emit(context.Background(), ev)
	g.log.Warn("scan: tool definition has findings", "server", srv.name, "tool", name, "max_severity", scan.Max(fs).String(), "action", action)
}

// checkShadowing compares all servers' catalogs and reports new
// collisions and cross-server references (medium and above) once.
func (g *Gateway) checkShadowing() {
	var st []ServerTools
	for _, s := range g.servers {
		s.mu.Lock()
		var defs []json.RawMessage
		for _, e := range s.catalog["tool"] {
			defs = append(defs, e.def)
		}
		s.mu.Unlock()
		st = append(st, ServerTools{Server: s.name, Prefix: s.prefix, Tools: defs})
	}
	for _, f := range Shadowing(st, g.sep) {
		if f.Severity < scan.Medium {
			continue
		}
		key := "shadow\x00" + f.Server + "\x00" + f.Tool + "\x00" + f.Rule + "\x00" + f.Excerpt
		if _, dup := g.scan.reported.LoadOrStore(key, true); dup {
			continue
		}
		ev := systemEvent(TypeScanShadowing, f.Server)
		ev.Tool = f.Tool
		ev.Detail = map[string]any{"rule": f.Rule, "severity": f.Severity.String(), "message": f.Message, "excerpt": f.Excerpt}
		_ = g.emit(context.Background(), ev)
		g.log.Warn("scan: shadowing", "server", f.Server, "tool", f.Tool, "rule", f.Rule, "message", f.Message)
	}
}
