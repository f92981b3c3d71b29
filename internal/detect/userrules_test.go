package detect

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

const ruleFile = `
rules:
  - id: team.exec
    severity: high
    summary: a shell tool was called
    when: 'event.type == "tools/call" && event.tool.startsWith("exec")'
  - id: team.fetch_then_send
    severity: high
    key: session
    window: 10m
    sequence:
      - 'event.type == "tools/call" && event.tool == "fetch"'
      - 'event.type == "tools/call" && event.tool == "send_email"'
  - id: team.busy
    severity: medium
    every: 1h
    sql: "SELECT principal_subject AS who, count(*) AS n FROM audit_events WHERE time_ns > :since GROUP BY 1 HAVING n > 2"
tests:
  - name: fetch then send
    events: [{type: tools/call, session_id: s1, tool: fetch}, {type: tools/call, session_id: s1, tool: send_email}]
    expect: [team.fetch_then_send]
`

func writeRules(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUserRules(t *testing.T) {
	p := writeRules(t, ruleFile)
	rules, sched, err := LoadRuleFiles([]string{p}, "")
	if err != nil || len(rules) != 2 || len(sched) != 1 {
		t.Fatalf("load: %v %d %d", err, len(rules), len(sched))
	}
	ev := func(session, tool string) *audit.Event {
		return &audit.Event{EventID: session + tool, Type: audit.TypeToolsCall, SessionID: session, Tool: tool}
	}
	names := func(as []Alert) string {
		var r []string
		for _, a := range as {
			r = append(r, a.Rule)
		}
		return strings.Join(r, " ")
	}
	if got := names(Replay(rules, []*audit.Event{ev("s1", "exec_command"), ev("s1", "fetch"), ev("s1", "read"), ev("s1", "send_email")})); got != "team.exec team.fetch_then_send" {
		t.Fatalf("streaming and correlation: %q", got)
	}
	// Benign twins: steps out of order, or in different sessions.
	if got := names(Replay(rules, []*audit.Event{ev("s1", "send_email"), ev("s1", "fetch"), ev("s2", "send_email")})); got != "" {
		t.Fatalf("out of order / other session: %q", got)
	}
	// The window: a second step too late does not complete the sequence.
	a, b := ev("s3", "fetch"), ev("s3", "send_email")
	a.Time, b.Time = time.Now(), time.Now().Add(11*time.Minute)
	if got := names(Replay(rules, []*audit.Event{a, b})); got != "" {
		t.Fatalf("outside the window: %q", got)
	}

	// Scheduled: SQL over a real store.
	st, err := store.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sink := store.AuditSink(st, nil)
	for i := 0; i < 4; i++ {
		e := &audit.Event{Type: audit.TypeToolsCall, Principal: audit.Principal{Subject: "busy-bot"}}
		audit.Normalize(e)
		if err := sink.Write(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	e := &audit.Event{Type: audit.TypeToolsCall, Principal: audit.Principal{Subject: "quiet"}}
	audit.Normalize(e)
	_ = sink.Write(context.Background(), e)
	got := runScheduled(context.Background(), st.DB(), sched[0], time.Now())
	if len(got) != 1 || got[0].Detail["who"] != "busy-bot" || !strings.Contains(got[0].Summary, "n=4") {
		t.Fatalf("scheduled: %+v", got)
	}
}

func TestUserRuleErrors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`rules: [{id: x, severity: high, when: 'event.tool ==' }]`, "rules[0] (x): when: "},
		{`rules: [{id: x, severity: high, when: 'event.tool'}]`, "must be a boolean"},
		{`rules: [{id: x, severity: urgent, when: 'true'}]`, "severity must be"},
		{`rules: [{id: mcp.recon, severity: high, when: 'true'}]`, "built-in"},
		{`rules: [{id: x, severity: high}]`, "exactly one of when"},
		{`rules: [{id: x, severity: high, sequence: ['true']}]`, "at least two steps"},
		{`rules: [{id: x, severity: high, sequence: ['true', 'true'], window: soon}]`, "window"},
		{`rules: [{id: x, severity: high, every: 1h, sql: "DELETE FROM audit_events"}]`, "one SELECT"},
		{`rules: [{id: x, severity: high, when: 'true', colour: red}]`, "colour"},
	} {
		p := writeRules(t, tc.body)
		_, _, err := LoadRuleFiles([]string{p}, "")
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "rules.yaml") {
			t.Errorf("%s: %v (want %q and the file name)", tc.body, err, tc.want)
		}
	}
	if _, _, err := LoadRuleFiles([]string{filepath.Join(t.TempDir(), "none-*.yaml")}, ""); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("missing files: %v", err)
	}
}

// Rules that may read scan.result events make the gateway keep those
// events before the session's next call; the others do not.
func TestReadsScanResults(t *testing.T) {
	rules, _, err := LoadRuleFiles([]string{writeRules(t, ruleFile)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if ReadsScanResults(rules) || ReadsScanResults(Builtins(Thresholds{}, nil, nil)) {
		t.Fatal("rules that do not read scan.result events said they do")
	}
	reads, _, err := LoadRuleFiles([]string{writeRules(t, `rules:
  - id: team.injected_then_call
    severity: high
    sequence:
      - 'event.type == "scan.result"'
      - 'event.type == "tools/call"'
`)}, "")
	if err != nil {
		t.Fatal(err)
	}
	if !ReadsScanResults(append(rules, reads...)) {
		t.Fatal("a correlation rule over scan.result events was not seen to read them")
	}
}
