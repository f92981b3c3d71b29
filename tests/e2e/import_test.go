package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestImportIdPLogAndJoin: audit events of real, authenticated gateway
// calls join with an identity provider's log loaded by mcpwarden import
// idp-log: the analyst sees which IdP sign-in (and from which address)
// preceded which tool call. Importing again adds nothing; a bad file is
// refused whole, with its line; the events also come out as OCSF and as
// the raw lines a SIEM ingests.
func TestImportIdPLogAndJoin(t *testing.T) {
	issuer := startIDP(t)
	g := startGateway(t, `
listen: {{LISTEN}}
auth:
  issuer: "`+issuer+`"
servers:
  demo:
    command: "{{BIN}}"
    args: ["demo-server", "--name", "demo"]
    tools:
      "*": {scopes: [demo.read]}
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
`)
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	// sid1 (the IdP's subject for that client) calls two tools.
	cs := connectWithToken(t, g.URL, idpToken(t, issuer, "sid1", "verysecret", "demo.read", g.URL))
	if out, err := callEv(t, cs, "demo__echo", map[string]any{"message": "quarterly numbers"}); err != nil || out != "quarterly numbers" {
		t.Fatal(out, err)
	}
	if _, err := callEv(t, cs, "demo__add", map[string]any{"a": 2, "b": 3}); err != nil {
		t.Fatal(err)
	}

	// The IdP's log of the same hour: sid1 signed in from 203.0.113.9; an
	// unrelated user too. Okta System Log events, one per line.
	now := time.Now().UTC()
	okta := func(uuid, subject, login, ip string, at time.Time) string {
		b, _ := json.Marshal(map[string]any{
			"uuid": uuid, "published": at.Format(time.RFC3339Nano), "eventType": "user.session.start", "version": "0", "severity": "INFO",
			"displayMessage":        "User login to Okta",
			"actor":                 map[string]any{"id": subject, "type": "PublicClientApp", "alternateId": login, "displayName": subject},
			"client":                map[string]any{"ipAddress": ip, "userAgent": map[string]any{"rawUserAgent": "e2e"}},
			"outcome":               map[string]any{"result": "SUCCESS"},
			"authenticationContext": map[string]any{"externalSessionId": "idx" + uuid[:4]},
			"transaction":           map[string]any{"type": "WEB", "id": "tx-" + uuid[:4]},
		})
		return string(b)
	}
	logFile := filepath.Join(g.Dir, "okta.jsonl")
	if err := os.WriteFile(logFile, []byte(okta("a1b2c3d4-0000-4000-8000-000000000001", "sid1", "sid1@example.com", "203.0.113.9", now.Add(-time.Minute))+"\n"+
		okta("a1b2c3d4-0000-4000-8000-000000000002", "00u-someone-else", "carol@example.com", "192.0.2.1", now.Add(-2*time.Minute))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fixture := filepath.Join(repoRoot(), "internal", "idplog", "testdata", "keycloak-events.json")
	mcpw := func(args ...string) (string, error) {
		out, err := exec.Command(binPath, append(args[:1:1], append([]string{"--config", cfgPath}, args[1:]...)...)...).CombinedOutput()
		return string(out), err
	}
	out, err := mcpw("import", "idp-log", logFile, fixture)
	if err != nil || !strings.Contains(out, "okta.jsonl: 2 records: imported 2, skipped duplicates 0") || !strings.Contains(out, "total: imported 5, skipped duplicates 0") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err = mcpw("import", "idp-log", "--format", "okta", logFile); err != nil || !strings.Contains(out, "imported 0, skipped duplicates 2") {
		t.Fatalf("re-import: %v\n%s", err, out)
	}
	bad := filepath.Join(g.Dir, "bad.json")
	os.WriteFile(bad, []byte("[\n"+okta("a1b2c3d4-0000-4000-8000-000000000003", "sid1", "x", "192.0.2.3", now)+",\n{\"uuid\": \"u\", \"eventType\": \"x\", \"published\": \"never\"}\n]\n"), 0o600)
	if out, err = mcpw("import", "idp-log", logFile, bad); err == nil || !strings.Contains(out, "bad.json:3: record 1: Okta System Log event u: published \"never\" is not an RFC 3339 time") || !strings.Contains(out, "nothing was imported") {
		t.Fatalf("bad file: %v\n%s", err, out)
	}

	// The join: each tool call of sid1 with the sign-in before it.
	join := `SELECT a.tool, i.event_type, i.ip, i.alternate_id FROM audit_events a
		JOIN idp_events i ON i.subject = a.principal_subject AND i.time_ns <= a.time_ns
		WHERE a.type = 'tools/call' ORDER BY a.time_ns`
	var rows []map[string]any
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		out, err = mcpw("events", "query", "--sql", join, "--format", "json")
		rows = nil
		if err == nil {
			_ = json.Unmarshal([]byte(out), &rows)
		}
		if len(rows) == 2 || time.Now().After(deadline) {
			break
		}
	}
	if len(rows) != 2 || rows[0]["tool"] != "echo" || rows[1]["tool"] != "add" || rows[0]["ip"] != "203.0.113.9" ||
		rows[0]["event_type"] != "user.session.start" || rows[0]["alternate_id"] != "sid1@example.com" {
		t.Fatalf("join: %v\n%s", err, out)
	}
	// The join is read-only like any --sql.
	if out, err = mcpw("events", "query", "--sql", "DELETE FROM idp_events"); err == nil {
		t.Fatalf("a DELETE through --sql: %s", out)
	}

	// OCSF: API Activity for the calls, the principal as actor.user.uid.
	out, err = mcpw("events", "query", "--type", "tools/call", "--format", "ocsf")
	if err != nil {
		t.Fatalf("ocsf: %v\n%s", err, out)
	}
	var ocsf []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("ocsf line %q: %v", line, err)
		}
		ocsf = append(ocsf, m)
	}
	if len(ocsf) != 2 || ocsf[0]["class_uid"] != float64(6003) || ocsf[0]["type_uid"] != float64(600399) ||
		ocsf[0]["actor"].(map[string]any)["user"].(map[string]any)["uid"] != "sid1" ||
		ocsf[0]["api"].(map[string]any)["service"].(map[string]any)["name"] != "demo" ||
		ocsf[0]["metadata"].(map[string]any)["correlation_uid"] == nil {
		t.Fatalf("ocsf: %s", out)
	}
	if out, err = mcpw("events", "query", "--sql", "SELECT 1", "--format", "ocsf"); err == nil || !strings.Contains(out, "--format ocsf maps audit events") {
		t.Fatalf("ocsf with --sql: %v %s", err, out)
	}

	// jsonl: the stored events are the lines of the audit file, byte for byte.
	out, err = mcpw("events", "query", "--type", "tools/call", "--format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	f, err := os.Open(g.Audit)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines[sc.Text()] = true
	}
	f.Close()
	got := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range got {
		if !lines[l] {
			t.Fatalf("jsonl line not in the audit file:\n%s", l)
		}
	}
	if len(got) != 2 {
		t.Fatalf("jsonl: %d lines\n%s", len(got), out)
	}
}

// TestRetention: a gateway with store.retention deletes what is older than
// max_age and says so with an audit.retention event, in the store and in
// the audit file; the newest events stay.
func TestRetention(t *testing.T) {
	g := startGateway(t, `
listen: {{LISTEN}}
servers:
  demo:
    command: "{{BIN}}"
    args: ["demo-server", "--name", "demo"]
policy:
  default: allow
audit:
  file: audit.jsonl
store:
  path: gateway.db
  retention: {max_age: 3s, interval: 1s}
`)
	cs := connect(t, g.URL, nil)
	for i := 0; i < 3; i++ {
		if _, err := callEv(t, cs, "demo__echo", map[string]any{"message": fmt.Sprint("old ", i)}); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(g.Dir, "mcpwarden.yaml")
	storedCalls := func() string {
		out, _ := exec.Command(binPath, "events", "query", "--config", cfgPath, "--sql",
			"SELECT json_extract(data, '$.arguments.message') AS m FROM audit_events WHERE type = 'tools/call'", "--format", "jsonl").CombinedOutput()
		return string(out)
	}
	var ret []map[string]any
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ret = eventsOf(auditEvents(t, g.Audit), "audit.retention")
		if len(ret) > 0 && !strings.Contains(storedCalls(), "old ") {
			break
		}
	}
	if len(ret) == 0 {
		t.Fatal("no audit.retention event in the audit file")
	}
	d := ret[0]["detail"].(map[string]any)
	if d["reason"] != "age" || d["deleted"].(float64) < 1 || d["last_deleted_event_id"] == nil || d["max_age"] != "3s" || ret[0]["principal"].(map[string]any)["subject"] != "mcpwarden" {
		t.Fatalf("audit.retention: %s", toJSON(ret[0]))
	}
	// A fresh call is kept; the old ones are gone from the store (not from
	// the file, which is the operator's to rotate).
	if _, err := callEv(t, cs, "demo__echo", map[string]any{"message": "new"}); err != nil {
		t.Fatal(err)
	}
	var out string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if out = storedCalls(); strings.Contains(out, `"new"`) {
			break
		}
	}
	if strings.Contains(out, "old ") || !strings.Contains(out, `"new"`) {
		t.Fatalf("store after retention:\n%s", out)
	}
	if out, err := exec.Command(binPath, "events", "query", "--config", cfgPath, "--type", "audit.retention", "--format", "jsonl").CombinedOutput(); err != nil || !strings.Contains(string(out), `"type":"audit.retention"`) {
		t.Fatalf("audit.retention not in the store: %v\n%s", err, out)
	}
}
