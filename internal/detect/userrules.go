package detect

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"gopkg.in/yaml.v3"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/jsonval"
)

// User rules (detect.rules: files of YAML with CEL conditions over `event`,
// the audit event as its JSON fields, and `now`):
//
//	rules:
//	  - id: team.shell
//	    severity: high
//	    summary: a shell tool was called
//	    when: 'event.type == "tools/call" && event.tool.startsWith("exec")'
//	  - id: team.fetch_then_send            # correlation: steps in order
//	    severity: high
//	    key: session                        # session, principal or server
//	    window: 10m
//	    sequence:
//	      - 'event.type == "tools/call" && event.tool == "fetch"'
//	      - 'event.type == "tools/call" && event.tool == "send_email"'
//	  - id: team.night_volume               # scheduled: SQL over the store
//	    severity: medium
//	    every: 1h
//	    sql: "SELECT principal_subject, count(*) AS n FROM audit_events WHERE time_ns > :since GROUP BY 1 HAVING n > 1000"
//	tests:
//	  - name: fetch then send
//	    events: [{type: tools/call, session_id: s1, tool: fetch}, {type: tools/call, session_id: s1, tool: send_email}]
//	    expect: [team.fetch_then_send]

// RuleFile is one rules file.
type RuleFile struct {
	Rules []UserRule `yaml:"rules"`
	Tests []RuleTest `yaml:"tests"`
}

// UserRule is a rule written by a user.
type UserRule struct {
	ID       string   `yaml:"id"`
	Severity string   `yaml:"severity"`
	Summary  string   `yaml:"summary"`
	When     string   `yaml:"when"`     // streaming
	Key      string   `yaml:"key"`      // correlation: session (default), principal, server
	Window   string   `yaml:"window"`   // correlation: the sequence's time limit (default 10m)
	Sequence []string `yaml:"sequence"` // correlation
	Every    string   `yaml:"every"`    // scheduled
	SQL      string   `yaml:"sql"`      // scheduled: a SELECT over the store (:since is the window start in ns)
	// Action: what an alert of this rule does besides being recorded:
	// end_session, hold_principal or none (default). Not for scheduled
	// rules (their alerts name no session or principal).
	Action string `yaml:"action"`
}

// RuleTest replays events against the file's rules.
type RuleTest struct {
	Name   string           `yaml:"name"`
	Events []map[string]any `yaml:"events"`
	Expect []string         `yaml:"expect"`
}

var celEnv = func() *cel.Env {
	e, err := cel.NewEnv(
		cel.Variable("event", cel.MapType(cel.StringType, cel.DynType)),
		cel.Variable("now", cel.TimestampType),
		cel.CrossTypeNumericComparisons(true),
	)
	if err != nil {
		panic("detect: CEL environment: " + err.Error())
	}
	return e
}()

type condition struct {
	src string
	prg cel.Program
}

func compileCondition(src string) (*condition, error) {
	ast, iss := celEnv.Compile(src)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("%s", strings.Join(strings.Fields(strings.ReplaceAll(iss.Err().Error(), "\n", " ")), " "))
	}
	if !ast.OutputType().IsExactType(types.BoolType) {
		return nil, fmt.Errorf("the condition is of type %s; it must be a boolean", ast.OutputType())
	}
	prg, err := celEnv.Program(ast, cel.CostLimit(100000))
	if err != nil {
		return nil, err
	}
	return &condition{src: src, prg: prg}, nil
}

func (c *condition) match(ev map[string]any, now time.Time) bool {
	out, _, err := c.prg.Eval(map[string]any{"event": ev, "now": now})
	if err != nil {
		return false // a missing field is no match
	}
	b, ok := out.(types.Bool)
	return ok && bool(b)
}

// LoadRuleFiles reads the files the globs name (relative to baseDir).
// Errors name the file and the rule.
func LoadRuleFiles(globs []string, baseDir string) ([]Rule, []ScheduledRule, error) {
	var rules []Rule
	var sched []ScheduledRule
	seen := map[string]string{}
	for _, g := range globs {
		if !filepath.IsAbs(g) && baseDir != "" {
			g = filepath.Join(baseDir, g)
		}
		files, err := filepath.Glob(g)
		if err != nil {
			return nil, nil, fmt.Errorf("detect.rules %q: %w", g, err)
		}
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("detect.rules %q: no file matches", g)
		}
		for _, f := range files {
			rf, err := ReadRuleFile(f)
			if err != nil {
				return nil, nil, err
			}
			r, s, err := rf.Compile(f)
			if err != nil {
				return nil, nil, err
			}
			for _, x := range r {
				if other, dup := seen[x.ID()]; dup {
					return nil, nil, fmt.Errorf("%s: rule %q is also defined in %s", f, x.ID(), other)
				}
				seen[x.ID()] = f
			}
			rules = append(rules, r...)
			sched = append(sched, s...)
		}
	}
	return rules, sched, nil
}

// ReadRuleFile parses one file strictly (unknown keys are errors).
func ReadRuleFile(path string) (*RuleFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rf RuleFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rf); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &rf, nil
}

// Compile checks and compiles the file's rules.
func (rf *RuleFile) Compile(path string) ([]Rule, []ScheduledRule, error) {
	var rules []Rule
	var sched []ScheduledRule
	for i, u := range rf.Rules {
		where := fmt.Sprintf("%s: rules[%d]", path, i)
		if u.ID == "" {
			return nil, nil, fmt.Errorf("%s: id is required", where)
		}
		where += " (" + u.ID + ")"
		if strings.HasPrefix(u.ID, "mcp.") {
			return nil, nil, fmt.Errorf("%s: ids starting with mcp. are the built-in rules'", where)
		}
		switch u.Severity {
		case "info", "low", "medium", "high", "critical":
		default:
			return nil, nil, fmt.Errorf("%s: severity must be info, low, medium, high or critical, got %q", where, u.Severity)
		}
		if !ValidAction(u.Action) {
			return nil, nil, fmt.Errorf("%s: action must be end_session, hold_principal or none, got %q", where, u.Action)
		}
		if u.SQL != "" && u.Action != "" && u.Action != ActionNone {
			return nil, nil, fmt.Errorf("%s: action: a scheduled rule's alerts name no session or principal to act on", where)
		}
		kinds := 0
		for _, set := range []bool{u.When != "", len(u.Sequence) > 0, u.SQL != ""} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			return nil, nil, fmt.Errorf("%s: give exactly one of when (streaming), sequence (correlation) or sql (scheduled)", where)
		}
		switch {
		case u.When != "":
			c, err := compileCondition(u.When)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: when: %v", where, err)
			}
			rules = append(rules, &streamRule{u: u, cond: c})
		case len(u.Sequence) > 0:
			if len(u.Sequence) < 2 {
				return nil, nil, fmt.Errorf("%s: a sequence needs at least two steps", where)
			}
			win := 10 * time.Minute
			if u.Window != "" {
				d, err := time.ParseDuration(u.Window)
				if err != nil || d <= 0 {
					return nil, nil, fmt.Errorf("%s: window: want a duration such as 10m, got %q", where, u.Window)
				}
				win = d
			}
			switch u.Key {
			case "", "session", "principal", "server":
			default:
				return nil, nil, fmt.Errorf("%s: key must be session, principal or server, got %q", where, u.Key)
			}
			cr := &corrRule{u: u, window: win, states: newWindowed[*corrState]()}
			for j, s := range u.Sequence {
				c, err := compileCondition(s)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: sequence[%d]: %v", where, j, err)
				}
				cr.steps = append(cr.steps, c)
			}
			rules = append(rules, cr)
		default:
			every, err := time.ParseDuration(u.Every)
			if err != nil || every < time.Minute {
				return nil, nil, fmt.Errorf("%s: every: want a duration of at least 1m, got %q", where, u.Every)
			}
			q := strings.TrimSpace(u.SQL)
			if !strings.HasPrefix(strings.ToUpper(q), "SELECT") || strings.Contains(q, ";") {
				return nil, nil, fmt.Errorf("%s: sql must be one SELECT statement", where)
			}
			sched = append(sched, ScheduledRule{U: u, Every: every})
		}
	}
	return rules, sched, nil
}

// eventMap is the event as CEL sees it: its JSON fields.
func eventMap(ev *audit.Event) map[string]any {
	b, err := json.Marshal(ev)
	if err != nil {
		return nil
	}
	v, err := jsonval.Decode(b)
	if err != nil {
		return nil
	}
	m, _ := v.(map[string]any)
	return m
}

// streamRule: a condition per event.
// ReadsScanResults reports whether any of rules is a user rule whose
// condition may read the gateway's scan.result events (its text names
// "scan"): such rules need those events in their place before the
// session's next call (gateway.Options.ScanEventsOrdered).
func ReadsScanResults(rules []Rule) bool {
	for _, r := range rules {
		var u UserRule
		switch r := r.(type) {
		case *streamRule:
			u = r.u
		case *corrRule:
			u = r.u
		default:
			continue
		}
		if strings.Contains(u.When, "scan") || slices.ContainsFunc(u.Sequence, func(c string) bool { return strings.Contains(c, "scan") }) {
			return true
		}
	}
	return false
}

type streamRule struct {
	u    UserRule
	cond *condition
}

func (r *streamRule) ID() string { return r.u.ID }

func (r *streamRule) Observe(ev *audit.Event, now time.Time) []Alert {
	m := eventMap(ev)
	if m == nil || !r.cond.match(m, now) {
		return nil
	}
	sum := r.u.Summary
	if sum == "" {
		sum = "rule " + r.u.ID + " matched a " + ev.Type + " event"
	}
	return []Alert{{Rule: r.u.ID, Severity: r.u.Severity, Summary: sum, Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
		EventIDs: []string{ev.EventID}, Key: ev.EventID}}
}

// corrRule: steps in order, on events sharing a key, within a window.
type corrRule struct {
	u      UserRule
	window time.Duration
	steps  []*condition
	states *windowed[*corrState]
}

type corrState struct {
	next  int
	start time.Time
	ids   []string
}

func (r *corrRule) ID() string { return r.u.ID }

func (r *corrRule) key(ev *audit.Event) string {
	switch r.u.Key {
	case "principal":
		return principalKey(ev.Principal)
	case "server":
		return ev.Server
	}
	return ev.SessionID
}

func (r *corrRule) Observe(ev *audit.Event, now time.Time) []Alert {
	k := r.key(ev)
	if k == "" || k == "\x00\x00" {
		return nil
	}
	m := eventMap(ev)
	if m == nil {
		return nil
	}
	st := r.states.get(k, now, func() *corrState { return &corrState{} })
	if st.next > 0 && now.Sub(st.start) > r.window {
		*st = corrState{}
	}
	if r.steps[st.next].match(m, now) {
		if st.next == 0 {
			st.start = now
		}
		st.ids = append(st.ids, ev.EventID)
		st.next++
		if st.next == len(r.steps) {
			ids := st.ids
			*st = corrState{}
			sum := r.u.Summary
			if sum == "" {
				sum = fmt.Sprintf("rule %s: its %d steps happened in order within %s", r.u.ID, len(r.steps), r.window)
			}
			return []Alert{{Rule: r.u.ID, Severity: r.u.Severity, Summary: sum, Principal: ev.Principal, SessionID: ev.SessionID, Server: ev.Server, Tool: ev.Tool,
				EventIDs: ids, Key: k + "\x00" + ev.EventID}}
		}
	} else if st.next > 0 && r.steps[0].match(m, now) {
		// A new first step restarts the sequence.
		*st = corrState{next: 1, start: now, ids: []string{ev.EventID}}
	}
	return nil
}

// ScheduledRule runs SQL over the store every Every; each row is an alert.
type ScheduledRule struct {
	U     UserRule
	Every time.Duration
}

// RunScheduled runs the scheduled rules until ctx ends, reading db (the
// store) read-only, and raises their alerts through the engine.
func (e *Engine) RunScheduled(ctx context.Context, db *sql.DB, rules []ScheduledRule) {
	for _, r := range rules {
		go func() {
			t := time.NewTicker(r.Every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-e.done:
					return
				case <-t.C:
				}
				for _, a := range runScheduled(ctx, db, r, time.Now()) {
					e.raise(a, time.Now())
				}
			}
		}()
	}
}

func runScheduled(ctx context.Context, db *sql.DB, r ScheduledRule, now time.Time) []Alert {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	since := now.Add(-r.Every).UnixNano()
	rows, err := db.QueryContext(ctx, r.U.SQL, sql.Named("since", since))
	if err != nil {
		return []Alert{{Rule: r.U.ID, Severity: "info", Summary: "scheduled rule failed: " + err.Error(), Key: "error\x00" + err.Error()}}
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []Alert
	for rows.Next() && len(out) < 100 {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if rows.Scan(ptrs...) != nil {
			continue
		}
		detail := map[string]any{}
		var parts []string
		for i, c := range cols {
			v := vals[i]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			detail[c] = v
			parts = append(parts, fmt.Sprintf("%s=%v", c, v))
		}
		sum := r.U.Summary
		if sum == "" {
			sum = "rule " + r.U.ID
		}
		out = append(out, Alert{Rule: r.U.ID, Severity: r.U.Severity, Summary: sum + ": " + strings.Join(parts, ", "),
			Key: strings.Join(parts, ","), Detail: detail})
	}
	return out
}

// Replay runs rules over events (a test or a recorded audit file) and
// returns the alerts, deduplicated like the engine's.
func Replay(rules []Rule, events []*audit.Event) []Alert {
	var out []Alert
	seen := map[string]bool{}
	for _, ev := range events {
		now := ev.Time
		if now.IsZero() {
			now = time.Now()
		}
		for _, r := range rules {
			for _, a := range r.Observe(ev, now) {
				k := a.Rule + "\x00" + a.Key
				if !seen[k] {
					seen[k] = true
					out = append(out, a)
				}
			}
		}
	}
	return out
}
