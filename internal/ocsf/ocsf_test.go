package ocsf

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

var at = time.Date(2025, 6, 1, 9, 30, 2, 500_000_000, time.UTC)

func base(typ string) *audit.Event {
	return &audit.Event{
		SchemaVersion: audit.SchemaVersion, EventID: "01972ad3-a190-7c13-8e5a-7d9f1b2c3d45", Time: at, Type: typ,
		SessionID: "5f0c2a3e", Transport: audit.TransportStreamableHTTP, RemoteAddr: "127.0.0.1:53211",
		Principal: audit.Principal{Subject: "alice@example.com", ClientID: "claude-code", Issuer: "https://idp.example.com/", AuthMethod: "jwt", Scopes: []string{"github.read"}},
		Client:    &audit.ClientInfo{Name: "claude-code", Version: "1.0.33", ProtocolVersion: "2025-06-18"},
		Decision:  audit.Decision{Action: audit.ActionAllow},
		Status:    audit.Status{Outcome: audit.OutcomeOK},
	}
}

func mapped(t *testing.T, ev *audit.Event) (Event, map[string]any) {
	t.Helper()
	e := FromAudit(ev, Options{ProductVersion: "1.2.3"})
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// Every event: the base attributes OCSF requires, the type uid rule.
	for _, k := range []string{"activity_id", "category_uid", "class_uid", "type_uid", "time", "severity_id", "metadata"} {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: %s missing", ev.Type, k)
		}
	}
	if e.TypeUID != e.ClassUID*100+e.ActivityID || e.Time != at.UnixMilli() || e.Metadata.Version != Version ||
		e.Metadata.UID != ev.EventID || e.Metadata.EventCode != ev.Type || e.Metadata.Product.Name != "mcpwarden" || e.Metadata.Product.Version != "1.2.3" {
		t.Errorf("%s: base fields %+v", ev.Type, e)
	}
	if e.Severity == "" || e.CategoryName == "" || e.ClassName == "" || e.ActivityName == "" || !strings.HasPrefix(e.TypeName, e.ClassName+": ") {
		t.Errorf("%s: names %q %q %q %q %q", ev.Type, e.Severity, e.CategoryName, e.ClassName, e.ActivityName, e.TypeName)
	}
	if un, _ := m["unmapped"].(map[string]any)["mcpwarden"].(map[string]any); un["type"] != ev.Type {
		t.Errorf("%s: unmapped %v", ev.Type, m["unmapped"])
	}
	return e, m
}

func TestToolsCallAllowed(t *testing.T) {
	ev := base(audit.TypeToolsCall)
	ev.CorrelationID, ev.Server, ev.Tool, ev.ExposedName = "c-1", "github", "create_issue", "github__create_issue"
	ev.Arguments = json.RawMessage(`{"title":"Fix login"}`)
	ev.SchemaHash, ev.DurationMS = "sha256:9f86", 412.7
	e, m := mapped(t, ev)
	if e.ClassUID != 6003 || e.CategoryUID != 6 || e.ActivityID != 99 || e.ActivityName != "Call" || e.TypeUID != 600399 {
		t.Fatalf("class %d/%d activity %d %s", e.CategoryUID, e.ClassUID, e.ActivityID, e.ActivityName)
	}
	if e.StatusID != 1 || e.SeverityID != 1 || *e.ActionID != 1 || *e.DispositionID != 1 || e.Duration != 413 || e.Metadata.CorrelationUID != "c-1" {
		t.Fatalf("status/verdict %+v", e)
	}
	if e.API.Operation != "tools/call" || e.API.Service.Name != "github" || e.API.Request.UID != "c-1" || string(e.API.Request.Data) != `{"title":"Fix login"}` || e.API.Version != "2025-06-18" || e.API.Response != nil {
		t.Fatalf("api %+v", e.API)
	}
	if e.Actor.User.UID != "alice@example.com" || e.Actor.User.TypeID != 1 || e.Actor.Session.UID != "5f0c2a3e" || e.Actor.AppName != "claude-code" || e.Actor.AppUID != "claude-code" {
		t.Fatalf("actor %+v", e.Actor)
	}
	if e.SrcEndpoint.IP != "127.0.0.1" || e.SrcEndpoint.Port != 53211 || len(e.Resources) != 1 || e.Resources[0].Name != "create_issue" || e.Resources[0].UID != "github__create_issue" {
		t.Fatalf("endpoint/resources %+v %+v", e.SrcEndpoint, e.Resources)
	}
	// Stable names: the JSON a SIEM parser is written against.
	for _, path := range []string{"actor.user.uid", "actor.session.uid", "api.operation", "api.service.name", "api.request.uid", "src_endpoint.ip",
		"metadata.correlation_uid", "metadata.product.vendor_name", "resources", "disposition_id", "unmapped.mcpwarden.principal.subject"} {
		var cur any = m
		for _, k := range strings.Split(path, ".") {
			cur = cur.(map[string]any)[k]
		}
		if cur == nil {
			t.Errorf("%s missing", path)
		}
	}
}

func TestToolsCallDenied(t *testing.T) {
	ev := base(audit.TypeToolsCall)
	ev.Server, ev.Tool = "fs", "write_file"
	ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "tool-allowlist", Reason: "denied by rule", Code: -32010}
	ev.Status = audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: -32010, ErrorMessage: "denied by rule"}
	e, _ := mapped(t, ev)
	if e.StatusID != 2 || e.StatusCode != "-32010" || e.StatusDetail != "denied by rule" || e.SeverityID != 2 || *e.ActionID != 2 || *e.DispositionID != 2 || e.Disposition != "Blocked" {
		t.Fatalf("denied %+v", e)
	}
	if e.API.Response == nil || e.API.Response.Code != -32010 || e.API.Response.Error != "denied" {
		t.Fatalf("response %+v", e.API.Response)
	}
	if len(e.Actor.Authorizations) != 1 || e.Actor.Authorizations[0].Decision != "deny" || e.Actor.Authorizations[0].Policy.Name != "tool-allowlist" {
		t.Fatalf("authorizations %+v", e.Actor.Authorizations)
	}
	ev.Decision.Action = audit.ActionHold
	if e, _ := mapped(t, ev); e.Disposition != "Delayed" || *e.DispositionID != 14 {
		t.Fatalf("held %+v", e)
	}
}

func TestReadsAndLists(t *testing.T) {
	for _, typ := range []string{audit.TypeResourcesRead, audit.TypePromptsGet, audit.TypeToolsList, audit.TypeResourcesList, audit.TypeResourcesTemplatesList, audit.TypePromptsList} {
		ev := base(typ)
		ev.Server, ev.Resource, ev.Tool = "docs", "file:///readme.md", ""
		if typ == audit.TypePromptsGet {
			ev.Resource, ev.Tool = "", "summarize"
		}
		e, _ := mapped(t, ev)
		if e.ClassUID != 6003 || e.ActivityID != 2 || e.ActivityName != "Read" || e.API.Operation != typ {
			t.Errorf("%s: %d/%d %s", typ, e.ClassUID, e.ActivityID, e.API.Operation)
		}
		switch typ {
		case audit.TypeResourcesRead:
			if len(e.Resources) != 1 || e.Resources[0].Type != "resource" || e.Resources[0].Name != "file:///readme.md" {
				t.Errorf("resources/read resources %+v", e.Resources)
			}
		case audit.TypePromptsGet:
			if len(e.Resources) != 1 || e.Resources[0].Type != "prompt" {
				t.Errorf("prompts/get resources %+v", e.Resources)
			}
		}
	}
}

func TestProtocolErrorAndClientRegistered(t *testing.T) {
	ev := base(audit.TypeProtocolError)
	ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "parser", Reason: "malformed"}
	ev.Status = audit.Status{Outcome: audit.OutcomeError, ErrorCode: -32700}
	e, _ := mapped(t, ev)
	if e.ClassUID != 6003 || e.ActivityID != 99 || e.ActivityName != "Protocol Error" || e.StatusID != 2 {
		t.Fatalf("protocol.error %+v", e)
	}
	ev = base("client.registered")
	ev.Detail = map[string]any{"client_name": "x"}
	if e, _ := mapped(t, ev); e.ClassUID != 6003 || e.ActivityID != 1 || e.ActivityName != "Create" {
		t.Fatalf("client.registered %+v", e)
	}
}

func TestSessionsAndAuth(t *testing.T) {
	e, _ := mapped(t, base(audit.TypeSessionStart))
	if e.ClassUID != 3002 || e.CategoryUID != 3 || e.ActivityID != 1 || e.ActivityName != "Logon" || e.StatusID != 1 ||
		e.User.UID != "alice@example.com" || e.Session.UID != "5f0c2a3e" || e.Session.Issuer != "https://idp.example.com/" ||
		*e.AuthProtocolID != 6 || *e.LogonTypeID != 3 || !*e.IsRemote || e.Service.Name != "mcpwarden" {
		t.Fatalf("session.start %+v", e)
	}
	ev := base(audit.TypeSessionEnd)
	ev.DurationMS = 600000.125
	if e, _ := mapped(t, ev); e.ActivityID != 2 || e.ActivityName != "Logoff" || e.Duration != 600000 {
		t.Fatalf("session.end %+v", e)
	}
	ev = base(audit.TypeSessionStart)
	ev.Transport, ev.RemoteAddr = audit.TransportStdio, ""
	ev.Principal = audit.Principal{Subject: "local:alice", AuthMethod: "local"}
	if e, _ := mapped(t, ev); *e.LogonTypeID != 2 || *e.IsRemote || *e.AuthProtocolID != 99 || e.SrcEndpoint.Name != "stdio" {
		t.Fatalf("stdio session %+v", e)
	}

	ev = base(audit.TypeAuthDenied)
	ev.Principal = audit.Principal{Subject: "anonymous", Anonymous: true}
	ev.SessionID, ev.Client = "", nil
	ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "auth", Reason: "invalid token: signature"}
	ev.Status = audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: 401}
	e, _ = mapped(t, ev)
	if e.ClassUID != 3002 || e.ActivityID != 1 || e.StatusID != 2 || e.StatusCode != "401" || e.StatusDetail != "invalid token: signature" ||
		e.User.TypeID != 0 || *e.ActionID != 2 || e.SeverityID != 2 {
		t.Fatalf("auth.denied %+v", e)
	}
	ev.SessionID, ev.Status.ErrorCode = "hijacked", 403
	if e, _ := mapped(t, ev); e.SeverityID != 3 {
		t.Fatalf("auth.denied hijack severity %d", e.SeverityID)
	}

	for typ, want := range map[string][2]int{
		"auth.login": {1, 1}, "auth.login_failed": {1, 2}, "token.issued": {3, 1}, "token.refused": {3, 2}, "token.revoked": {99, 1},
		"upstream.auth_required": {6, 1}, "upstream.consent": {99, 1}, "upstream.authorized": {3, 1}, "upstream.auth_failed": {3, 2},
		"upstream.auth_denied": {3, 2}, "upstream.auth_refresh_failed": {3, 2},
	} {
		ev := base(typ)
		ev.Server = "github"
		e, _ := mapped(t, ev)
		if e.ClassUID != 3002 || e.ActivityID != want[0] || e.StatusID != want[1] {
			t.Errorf("%s: class %d activity %d status %d, want activity %d status %d", typ, e.ClassUID, e.ActivityID, e.StatusID, want[0], want[1])
		}
		if strings.HasPrefix(typ, "upstream.") && e.Service.Name != "github" {
			t.Errorf("%s: service %+v", typ, e.Service)
		}
	}
}

func TestAlert(t *testing.T) {
	ev := base(audit.TypeAlert)
	ev.Rule, ev.Severity, ev.Summary = "mcp.injection", "high", "prompt injection followed by an exfiltration-capable call"
	ev.EventIDs = []string{"e1", "e2"}
	ev.Server, ev.Tool = "demo", "add"
	ev.Decision, ev.Status = audit.Decision{Action: audit.ActionAllow}, audit.Status{Outcome: audit.OutcomeOK}
	e, m := mapped(t, ev)
	if e.ClassUID != 2004 || e.CategoryUID != 2 || e.ActivityID != 1 || e.TypeUID != 200401 || e.SeverityID != 4 || e.Severity != "High" ||
		e.StatusID != 1 || e.Status != "New" || !*e.IsAlert {
		t.Fatalf("alert %+v", e)
	}
	fi := e.FindingInfo
	if fi.UID != ev.EventID || fi.Analytic.Name != "mcp.injection" || fi.Analytic.TypeID != 1 || fi.Title != ev.Summary ||
		len(fi.RelatedEvents) != 2 || fi.RelatedEvents[1].UID != "e2" || fi.CreatedTime != at.UnixMilli() {
		t.Fatalf("finding_info %+v", fi)
	}
	if len(e.Evidences) != 1 || e.Evidences[0].Actor.User.UID != "alice@example.com" || e.Resources[0].Data["server"] != "demo" || e.Message != ev.Summary {
		t.Fatalf("evidences %+v resources %+v", e.Evidences, e.Resources)
	}
	if m["action_id"] != nil {
		t.Fatalf("an allowed alert carries a verdict: %v", m["action_id"])
	}
	for sev, id := range map[string]int{"info": 1, "low": 2, "medium": 3, "critical": 5, "": 1} {
		ev.Severity = sev
		if e, _ := mapped(t, ev); e.SeverityID != id {
			t.Errorf("severity %q: %d, want %d", sev, e.SeverityID, id)
		}
	}
}

func TestPinAndScanFindings(t *testing.T) {
	for typ, want := range map[string]int{"pin.mismatch": 4, "pin.trusted": 1, "scan.finding": 5, "scan.shadowing": 3} {
		ev := base(typ)
		ev.Principal = audit.Principal{Subject: "mcpwarden"}
		ev.SessionID, ev.Server, ev.Tool, ev.SchemaHash = "", "fs", "read_file", "sha256:ab"
		switch typ {
		case "pin.mismatch":
			ev.Detail = map[string]any{"severity": "high", "status": "changed"}
			ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: "pin", Reason: "withheld"}
		case "scan.finding":
			ev.Detail = map[string]any{"max_severity": "critical"}
		case "scan.shadowing":
			ev.Detail = map[string]any{"severity": "medium"}
		}
		e, _ := mapped(t, ev)
		if e.ClassUID != 2004 || e.FindingInfo.Analytic.Name != typ || e.SeverityID != want || *e.IsAlert || e.Resources[0].Data["schema_hash"] != "sha256:ab" || e.Evidences != nil {
			t.Errorf("%s: %+v", typ, e)
		}
		if !strings.Contains(e.FindingInfo.Title, "fs/read_file") {
			t.Errorf("%s: title %q", typ, e.FindingInfo.Title)
		}
		if typ == "pin.mismatch" && (e.ActionID == nil || *e.ActionID != 2) {
			t.Errorf("pin.mismatch withheld: no verdict")
		}
	}
}

func TestLifecycleAndConfig(t *testing.T) {
	for typ, want := range map[string][2]int{audit.TypeUpstreamStart: {3, 1}, audit.TypeUpstreamExit: {4, 2}, audit.TypeUpstreamError: {3, 2}} {
		ev := base(typ)
		ev.Principal, ev.SessionID, ev.Client, ev.RemoteAddr = audit.Principal{Subject: "mcpwarden"}, "", nil, ""
		ev.Server = "github"
		if typ != audit.TypeUpstreamStart {
			ev.Status = audit.Status{Outcome: audit.OutcomeUnavailable, ErrorMessage: "exited"}
		}
		e, _ := mapped(t, ev)
		if e.ClassUID != 6002 || e.ActivityID != want[0] || e.StatusID != want[1] || e.App.Name != "github" {
			t.Errorf("%s: %+v", typ, e)
		}
	}
	ev := base(audit.TypeConfigWarning)
	ev.Principal = audit.Principal{Subject: "mcpwarden"}
	ev.Detail = map[string]any{"warning": "policy.default not set"}
	e, m := mapped(t, ev)
	if e.ClassUID != 6002 || e.ActivityID != 99 || e.ActivityName != "Configuration Warning" || e.SeverityID != 2 || e.App.Name != "mcpwarden" {
		t.Fatalf("config.warning %+v", e)
	}
	if m["unmapped"].(map[string]any)["mcpwarden"].(map[string]any)["detail"].(map[string]any)["warning"] != "policy.default not set" {
		t.Fatalf("detail lost: %v", m["unmapped"])
	}
}

func TestRetention(t *testing.T) {
	ev := base(audit.TypeAuditRetention)
	ev.Principal, ev.SessionID, ev.Client, ev.RemoteAddr, ev.Transport = audit.Principal{Subject: "mcpwarden"}, "", nil, "", ""
	ev.Detail = map[string]any{"deleted": 48, "reason": "age", "oldest_kept_time": "2025-05-02T00:00:00Z"}
	e, _ := mapped(t, ev)
	if e.ClassUID != 6005 || e.ActivityID != 7 || e.ActivityName != "Delete" || e.TypeUID != 600507 || e.Table.Name != "audit_events" ||
		e.Actor.User.TypeID != 3 || !strings.Contains(e.Message, "deleted 48 events (age)") {
		t.Fatalf("audit.retention %+v", e)
	}
}

func TestUnknownType(t *testing.T) {
	ev := base("approval.decided")
	e, _ := mapped(t, ev)
	if e.ClassUID != 0 || e.CategoryUID != 0 || e.ActivityID != 99 || e.TypeUID != 99 || e.ClassName != "Base Event" || e.Metadata.EventCode != "approval.decided" {
		t.Fatalf("unknown type %+v", e)
	}
}
