// Package ocsf maps mcpwarden audit events to the Open Cybersecurity Schema
// Framework (OCSF, https://schema.ocsf.io), version 1.8.0, for SIEMs that
// ingest OCSF. The mapping is documented in docs/ocsf.md; FromAudit is a
// pure function of the event.
//
// Classes used (category/class uid):
//
//   - API Activity (6/6003): MCP requests (tools/call, resources/read,
//     prompts/get, the list methods), protocol.error, client.registered.
//   - Authentication (3/3002): session.start (Logon), session.end (Logoff),
//     auth.denied, auth.login, auth.login_failed, token.*, upstream.auth*.
//   - Detection Finding (2/2004): alert, pin.mismatch, pin.trusted,
//     scan.finding, scan.shadowing, scan.result.
//   - Application Lifecycle (6/6002): upstream.start, upstream.exit,
//     upstream.error, config.warning.
//   - Datastore Activity (6/6005): audit.retention (Delete).
//   - Base Event (0/0): any type this build does not know.
//
// What has no OCSF attribute is kept under unmapped.mcpwarden with the
// audit event's own field names, so nothing is lost.
package ocsf

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"strconv"
	"strings"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

// Version is the OCSF schema version the events claim.
const Version = "1.8.0"

// Event is an OCSF event. Only the attributes of its class are set; the
// JSON field names are OCSF's and are stable.
type Event struct {
	ActivityID   int      `json:"activity_id"`
	ActivityName string   `json:"activity_name"`
	CategoryUID  int      `json:"category_uid"`
	CategoryName string   `json:"category_name"`
	ClassUID     int      `json:"class_uid"`
	ClassName    string   `json:"class_name"`
	TypeUID      int      `json:"type_uid"`
	TypeName     string   `json:"type_name"`
	Time         int64    `json:"time"` // ms since 1970
	SeverityID   int      `json:"severity_id"`
	Severity     string   `json:"severity"`
	StatusID     int      `json:"status_id"`
	Status       string   `json:"status"`
	StatusCode   string   `json:"status_code,omitempty"`
	StatusDetail string   `json:"status_detail,omitempty"`
	Message      string   `json:"message,omitempty"`
	Duration     int64    `json:"duration,omitempty"` // ms
	Metadata     Metadata `json:"metadata"`

	// Security control profile: the gateway's verdict.
	ActionID      *int   `json:"action_id,omitempty"`
	Action        string `json:"action,omitempty"`
	DispositionID *int   `json:"disposition_id,omitempty"`
	Disposition   string `json:"disposition,omitempty"`

	Actor       *Actor     `json:"actor,omitempty"`
	API         *API       `json:"api,omitempty"`
	SrcEndpoint *Endpoint  `json:"src_endpoint,omitempty"`
	DstEndpoint *Endpoint  `json:"dst_endpoint,omitempty"`
	Resources   []Resource `json:"resources,omitempty"`

	// Authentication.
	User           *User    `json:"user,omitempty"`
	Session        *Session `json:"session,omitempty"`
	Service        *Service `json:"service,omitempty"`
	AuthProtocolID *int     `json:"auth_protocol_id,omitempty"`
	AuthProtocol   string   `json:"auth_protocol,omitempty"`
	LogonTypeID    *int     `json:"logon_type_id,omitempty"`
	LogonType      string   `json:"logon_type,omitempty"`
	IsRemote       *bool    `json:"is_remote,omitempty"`

	// Application Lifecycle.
	App *Product `json:"app,omitempty"`

	// Datastore Activity.
	Database *Database `json:"database,omitempty"`
	Table    *Table    `json:"table,omitempty"`

	// Detection Finding.
	FindingInfo *FindingInfo `json:"finding_info,omitempty"`
	Evidences   []Evidence   `json:"evidences,omitempty"`
	IsAlert     *bool        `json:"is_alert,omitempty"`

	Unmapped map[string]any `json:"unmapped,omitempty"`
}

// Metadata is OCSF metadata.
type Metadata struct {
	Version          string   `json:"version"`
	Product          Product  `json:"product"`
	UID              string   `json:"uid"`
	OriginalEventUID string   `json:"original_event_uid"`
	CorrelationUID   string   `json:"correlation_uid,omitempty"`
	EventCode        string   `json:"event_code"`
	LogName          string   `json:"log_name"`
	Profiles         []string `json:"profiles,omitempty"`
}

// Product is an OCSF product (also the app of Application Lifecycle).
type Product struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name,omitempty"`
	Version    string `json:"version,omitempty"`
	UID        string `json:"uid,omitempty"`
}

// Actor is who acted.
type Actor struct {
	User           *User           `json:"user,omitempty"`
	Session        *Session        `json:"session,omitempty"`
	AppName        string          `json:"app_name,omitempty"`
	AppUID         string          `json:"app_uid,omitempty"`
	Authorizations []Authorization `json:"authorizations,omitempty"`
}

// User is an OCSF user.
type User struct {
	UID    string `json:"uid"`
	Name   string `json:"name,omitempty"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

// Session is an OCSF session.
type Session struct {
	UID    string `json:"uid,omitempty"`
	Issuer string `json:"issuer,omitempty"`
}

// Authorization is a policy decision.
type Authorization struct {
	Decision string  `json:"decision"`
	Policy   *Policy `json:"policy,omitempty"`
}

// Policy names what decided.
type Policy struct {
	Name string `json:"name"`
	Desc string `json:"desc,omitempty"`
}

// API is the API call.
type API struct {
	Operation string    `json:"operation"`
	Version   string    `json:"version,omitempty"`
	Service   *Service  `json:"service,omitempty"`
	Request   Request   `json:"request"`
	Response  *Response `json:"response,omitempty"`
}

// Service is a named service (an upstream MCP server, or the gateway).
type Service struct {
	Name string `json:"name"`
}

// Request is an API request.
type Request struct {
	UID  string          `json:"uid"`
	Data json.RawMessage `json:"data,omitempty"`
}

// Response is an API response.
type Response struct {
	Code         int    `json:"code,omitempty"`
	Error        string `json:"error,omitempty"`
	ErrorMessage string `json:"error_message,omitempty"`
}

// Endpoint is a network endpoint.
type Endpoint struct {
	IP      string `json:"ip,omitempty"`
	Port    int    `json:"port,omitempty"`
	Name    string `json:"name,omitempty"`
	SvcName string `json:"svc_name,omitempty"`
}

// Resource is a resource the activity touched.
type Resource struct {
	Type string         `json:"type"`
	Name string         `json:"name,omitempty"`
	UID  string         `json:"uid,omitempty"`
	Data map[string]any `json:"data,omitempty"`
}

// Database is the store.
type Database struct {
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

// Table is a table of the store.
type Table struct {
	Name string `json:"name"`
}

// FindingInfo describes a finding.
type FindingInfo struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title"`
	Desc          string         `json:"desc,omitempty"`
	Types         []string       `json:"types,omitempty"`
	CreatedTime   int64          `json:"created_time"`
	Analytic      Analytic       `json:"analytic"`
	RelatedEvents []RelatedEvent `json:"related_events,omitempty"`
}

// Analytic is the rule that found it.
type Analytic struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type"`
}

// RelatedEvent is an audit event a finding is about.
type RelatedEvent struct {
	UID string `json:"uid"`
}

// Evidence is what the finding rests on.
type Evidence struct {
	Actor       *Actor    `json:"actor,omitempty"`
	SrcEndpoint *Endpoint `json:"src_endpoint,omitempty"`
	API         *API      `json:"api,omitempty"`
}

// Options are the few facts not in the event.
type Options struct {
	// ProductVersion is mcpwarden's version (metadata.product.version).
	ProductVersion string
}

// Categories and classes.
const (
	catFindings    = 2
	catIAM         = 3
	catApplication = 6

	classDetectionFinding = 2004
	classAuthentication   = 3002
	classAppLifecycle     = 6002
	classAPIActivity      = 6003
	classDatastore        = 6005
)

var categoryNames = map[int]string{0: "Uncategorized", catFindings: "Findings", catIAM: "Identity & Access Management", catApplication: "Application Activity"}

var classNames = map[int]string{0: "Base Event", classDetectionFinding: "Detection Finding", classAuthentication: "Authentication",
	classAppLifecycle: "Application Lifecycle", classAPIActivity: "API Activity", classDatastore: "Datastore Activity"}

// activityNames are the captions of the activity_ids used, per class.
var activityNames = map[int]map[int]string{
	classAPIActivity:      {1: "Create", 2: "Read", 3: "Update", 4: "Delete"},
	classAuthentication:   {1: "Logon", 2: "Logoff", 3: "Authentication Ticket", 6: "Preauth"},
	classDetectionFinding: {1: "Create", 2: "Update", 3: "Close"},
	classAppLifecycle:     {3: "Start", 4: "Stop"},
	classDatastore:        {7: "Delete"},
}

var severityNames = map[int]string{0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical"}

func ptr[T any](v T) *T { return &v }

// FromAudit maps one audit event to OCSF.
func FromAudit(ev *audit.Event, o Options) Event {
	e := Event{
		Time:    ev.Time.UnixMilli(),
		Message: message(ev),
		Metadata: Metadata{
			Version:          Version,
			Product:          Product{Name: "mcpwarden", VendorName: "mcpwarden", Version: o.ProductVersion},
			UID:              ev.EventID,
			OriginalEventUID: ev.EventID,
			CorrelationUID:   ev.CorrelationID,
			EventCode:        ev.Type,
			LogName:          "audit",
		},
		Unmapped: unmapped(ev),
	}
	if ev.DurationMS > 0 && !math.IsInf(ev.DurationMS, 0) {
		e.Duration = int64(math.Round(ev.DurationMS))
	}
	e.StatusID, e.Status = status(ev.Status.Outcome)
	if ev.Status.Outcome != "" && ev.Status.Outcome != audit.OutcomeOK {
		e.StatusCode = ev.Status.Outcome
		if ev.Status.ErrorCode != 0 {
			e.StatusCode = strconv.Itoa(ev.Status.ErrorCode)
		}
		e.StatusDetail = firstOf(ev.Status.ErrorMessage, ev.Decision.Reason)
	}
	e.SeverityID = 1
	if e.StatusID == 2 || ev.Decision.Action == audit.ActionDeny {
		e.SeverityID = 2
	}

	typ := ev.Type
	switch {
	case typ == audit.TypeToolsCall || typ == audit.TypeResourcesRead || typ == audit.TypePromptsGet ||
		typ == audit.TypeToolsList || typ == audit.TypeResourcesList || typ == audit.TypeResourcesTemplatesList || typ == audit.TypePromptsList ||
		typ == audit.TypeProtocolError || typ == "client.registered":
		apiActivity(&e, ev)
	case typ == audit.TypeSessionStart || typ == audit.TypeSessionEnd || typ == audit.TypeAuthDenied ||
		strings.HasPrefix(typ, "auth.") || strings.HasPrefix(typ, "token.") || strings.HasPrefix(typ, "upstream.auth") || typ == "upstream.consent":
		authentication(&e, ev)
	case typ == audit.TypeAlert || strings.HasPrefix(typ, "pin.") || strings.HasPrefix(typ, "scan."):
		finding(&e, ev)
	case typ == audit.TypeUpstreamStart || typ == audit.TypeUpstreamExit || typ == audit.TypeUpstreamError || typ == audit.TypeConfigWarning:
		lifecycle(&e, ev)
	case typ == audit.TypeAuditRetention:
		datastore(&e, ev)
	default:
		e.set(0, 0, 99, "Other: "+typ)
		e.Actor = actor(ev)
	}
	e.Severity = severityNames[e.SeverityID]
	return e
}

// set fills the class, activity and type fields.
func (e *Event) set(category, class, activity int, activityName string) {
	e.CategoryUID, e.CategoryName = category, categoryNames[category]
	e.ClassUID, e.ClassName = class, classNames[class]
	e.ActivityID = activity
	e.ActivityName = activityName
	if activityName == "" {
		e.ActivityName = activityNames[class][activity]
	}
	e.TypeUID = class*100 + activity
	e.TypeName = e.ClassName + ": " + e.ActivityName
}

func status(outcome string) (int, string) {
	switch outcome {
	case audit.OutcomeOK:
		return 1, "Success"
	case "":
		return 0, "Unknown"
	}
	return 2, "Failure"
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func user(p audit.Principal) *User {
	u := &User{UID: p.Subject, Name: p.Subject, TypeID: 1, Type: "User"}
	switch {
	case p.Subject == "mcpwarden":
		u.TypeID, u.Type = 3, "System"
	case p.Anonymous || p.Subject == "":
		u.TypeID, u.Type = 0, "Unknown"
	}
	return u
}

func actor(ev *audit.Event) *Actor {
	a := &Actor{User: user(ev.Principal), AppUID: ev.Principal.ClientID}
	if ev.SessionID != "" || ev.Principal.Issuer != "" {
		a.Session = &Session{UID: ev.SessionID, Issuer: ev.Principal.Issuer}
	}
	if ev.Client != nil {
		a.AppName = ev.Client.Name
	}
	if d := ev.Decision; d.Action != "" && (d.Guard != "" || d.Action != audit.ActionAllow) {
		az := Authorization{Decision: d.Action}
		if d.Guard != "" {
			az.Policy = &Policy{Name: d.Guard, Desc: d.Reason}
		}
		a.Authorizations = []Authorization{az}
	}
	return a
}

func srcEndpoint(ev *audit.Event) *Endpoint {
	if ev.RemoteAddr != "" {
		host, port, err := net.SplitHostPort(ev.RemoteAddr)
		if err != nil {
			return &Endpoint{Name: ev.RemoteAddr}
		}
		p, _ := strconv.Atoi(port)
		return &Endpoint{IP: host, Port: p}
	}
	if ev.Transport == audit.TransportStdio {
		return &Endpoint{Name: "stdio"}
	}
	return &Endpoint{Name: "mcpwarden"}
}

// verdict sets the security control profile's action and disposition.
func verdict(e *Event, d audit.Decision) {
	switch d.Action {
	case audit.ActionAllow:
		e.ActionID, e.Action, e.DispositionID, e.Disposition = ptr(1), "Allowed", ptr(1), "Allowed"
	case audit.ActionDeny:
		e.ActionID, e.Action, e.DispositionID, e.Disposition = ptr(2), "Denied", ptr(2), "Blocked"
	case audit.ActionHold:
		e.ActionID, e.Action, e.DispositionID, e.Disposition = ptr(2), "Denied", ptr(14), "Delayed"
	default:
		return
	}
	e.Metadata.Profiles = append(e.Metadata.Profiles, "security_control")
}

func apiActivity(e *Event, ev *audit.Event) {
	switch ev.Type {
	case audit.TypeToolsCall:
		e.set(catApplication, classAPIActivity, 99, "Call")
	case audit.TypeProtocolError:
		e.set(catApplication, classAPIActivity, 99, "Protocol Error")
	case "client.registered":
		e.set(catApplication, classAPIActivity, 1, "")
	default: // resources/read, prompts/get, the lists
		e.set(catApplication, classAPIActivity, 2, "")
	}
	e.Actor = actor(ev)
	e.SrcEndpoint = srcEndpoint(ev)
	api := &API{Operation: ev.Type, Request: Request{UID: firstOf(ev.CorrelationID, ev.EventID)}}
	if ev.Client != nil {
		api.Version = ev.Client.ProtocolVersion
	}
	if ev.Server != "" {
		api.Service = &Service{Name: ev.Server}
		e.DstEndpoint = &Endpoint{SvcName: ev.Server}
	}
	if len(ev.Arguments) > 0 && json.Valid(ev.Arguments) {
		api.Request.Data = ev.Arguments
	}
	if ev.Status.Outcome != "" && ev.Status.Outcome != audit.OutcomeOK {
		api.Response = &Response{Code: ev.Status.ErrorCode, Error: ev.Status.Outcome, ErrorMessage: ev.Status.ErrorMessage}
	}
	e.API = api
	switch {
	case ev.Type == audit.TypeToolsCall && ev.Tool != "":
		r := Resource{Type: "tool", Name: ev.Tool, UID: firstOf(ev.ExposedName, ev.Tool)}
		if ev.SchemaHash != "" {
			r.Data = map[string]any{"schema_hash": ev.SchemaHash}
		}
		e.Resources = []Resource{r}
	case ev.Type == audit.TypePromptsGet && ev.Tool != "":
		e.Resources = []Resource{{Type: "prompt", Name: ev.Tool, UID: firstOf(ev.ExposedName, ev.Tool)}}
	case ev.Type == audit.TypeResourcesRead && ev.Resource != "":
		e.Resources = []Resource{{Type: "resource", Name: ev.Resource, UID: ev.Resource}}
	}
	verdict(e, ev.Decision)
}

func authentication(e *Event, ev *audit.Event) {
	ok := ev.Status.Outcome == audit.OutcomeOK
	switch ev.Type {
	case audit.TypeSessionStart, audit.TypeAuthDenied, "auth.login", "auth.login_failed":
		e.set(catIAM, classAuthentication, 1, "")
	case audit.TypeSessionEnd:
		e.set(catIAM, classAuthentication, 2, "")
	case "token.issued", "token.refused", "upstream.authorized", "upstream.auth_failed", "upstream.auth_denied", "upstream.auth_refresh_failed":
		e.set(catIAM, classAuthentication, 3, "")
	case "upstream.auth_required":
		e.set(catIAM, classAuthentication, 6, "")
	case "token.revoked":
		e.set(catIAM, classAuthentication, 99, "Revoke")
	case "upstream.consent":
		e.set(catIAM, classAuthentication, 99, "Consent")
	default:
		e.set(catIAM, classAuthentication, 99, "Other")
	}
	if ev.Type == audit.TypeAuthDenied || ev.Type == "auth.login_failed" || ev.Type == "token.refused" ||
		ev.Type == "upstream.auth_failed" || ev.Type == "upstream.auth_denied" || ev.Type == "upstream.auth_refresh_failed" {
		if ok || ev.Status.Outcome == "" {
			e.StatusID, e.Status = 2, "Failure"
		}
		e.SeverityID = max(e.SeverityID, 2)
		if ev.Type == audit.TypeAuthDenied && ev.Status.ErrorCode == 403 && ev.SessionID != "" {
			e.SeverityID = 3 // a session used with another principal's token
		}
		if e.StatusDetail == "" {
			e.StatusDetail = ev.Decision.Reason
		}
	}
	e.User = user(ev.Principal)
	e.Actor = actor(ev)
	if ev.SessionID != "" || ev.Principal.Issuer != "" {
		e.Session = &Session{UID: ev.SessionID, Issuer: ev.Principal.Issuer}
	}
	e.Service = &Service{Name: firstOf(ev.Server, "mcpwarden")}
	e.SrcEndpoint = srcEndpoint(ev)
	switch ev.Principal.AuthMethod {
	case "jwt", "introspection":
		e.AuthProtocolID, e.AuthProtocol = ptr(6), "OAUTH 2.0"
	case "":
		if strings.HasPrefix(ev.Type, "token.") || strings.HasPrefix(ev.Type, "upstream.") {
			e.AuthProtocolID, e.AuthProtocol = ptr(6), "OAUTH 2.0"
		}
	default: // local (stdio), mtls
		e.AuthProtocolID, e.AuthProtocol = ptr(99), ev.Principal.AuthMethod
	}
	switch ev.Transport {
	case audit.TransportStreamableHTTP:
		e.LogonTypeID, e.LogonType, e.IsRemote = ptr(3), "Network", ptr(true)
	case audit.TransportStdio:
		e.LogonTypeID, e.LogonType, e.IsRemote = ptr(2), "Interactive", ptr(false)
	}
	verdict(e, ev.Decision)
}

// severityID maps mcpwarden's severities (info, low, medium, high,
// critical) to OCSF's.
func severityID(s string) int {
	switch strings.ToLower(s) {
	case "info", "informational":
		return 1
	case "low":
		return 2
	case "medium":
		return 3
	case "high":
		return 4
	case "critical":
		return 5
	}
	return 0
}

func finding(e *Event, ev *audit.Event) {
	e.set(catFindings, classDetectionFinding, 1, "")
	// A finding's status is its review state, not an outcome.
	e.StatusID, e.Status, e.StatusCode, e.StatusDetail = 1, "New", "", ""
	rule, sev, title := ev.Rule, ev.Severity, ev.Summary
	if ev.Type != audit.TypeAlert {
		rule = ev.Type
		if s, ok := ev.Detail["severity"].(string); ok {
			sev = s
		} else if s, ok := ev.Detail["max_severity"].(string); ok {
			sev = s
		} else if s, ok := ev.Detail["scan_max_severity"].(string); ok {
			sev = s
		}
		if title == "" {
			title = findingTitle(ev)
		}
	}
	e.SeverityID = severityID(sev)
	if e.SeverityID == 0 {
		e.SeverityID = 1
		if ev.Type == "pin.mismatch" || ev.Type == "scan.finding" {
			e.SeverityID = 3
		}
	}
	fi := &FindingInfo{UID: ev.EventID, Title: firstOf(title, rule), Desc: ev.Summary, Types: []string{rule}, CreatedTime: ev.Time.UnixMilli(),
		Analytic: Analytic{UID: rule, Name: rule, TypeID: 1, Type: "Rule"}}
	for _, id := range ev.EventIDs {
		fi.RelatedEvents = append(fi.RelatedEvents, RelatedEvent{UID: id})
	}
	e.FindingInfo = fi
	e.IsAlert = ptr(ev.Type == audit.TypeAlert)
	if (ev.Principal.Subject != "" && ev.Principal.Subject != "mcpwarden") || ev.SessionID != "" {
		ev2 := Evidence{Actor: actor(ev)}
		if ev.RemoteAddr != "" {
			ev2.SrcEndpoint = srcEndpoint(ev)
		}
		e.Evidences = []Evidence{ev2}
	}
	switch {
	case ev.Tool != "":
		r := Resource{Type: "tool", Name: ev.Tool, UID: firstOf(ev.ExposedName, ev.Tool)}
		if ev.Server != "" || ev.SchemaHash != "" {
			r.Data = map[string]any{}
			if ev.Server != "" {
				r.Data["server"] = ev.Server
			}
			if ev.SchemaHash != "" {
				r.Data["schema_hash"] = ev.SchemaHash
			}
		}
		e.Resources = []Resource{r}
	case ev.Server != "":
		e.Resources = []Resource{{Type: "server", Name: ev.Server}}
	}
	if ev.Decision.Action == audit.ActionDeny {
		verdict(e, ev.Decision)
	}
}

func findingTitle(ev *audit.Event) string {
	what := ev.Tool
	if ev.Server != "" && what != "" {
		what = ev.Server + "/" + what
	}
	switch ev.Type {
	case "pin.mismatch":
		return "definition differs from its pin: " + what
	case "pin.trusted":
		return "definition pinned on first use: " + what
	case "scan.finding":
		return "scanner findings in the definition of " + what
	case "scan.shadowing":
		return "tool shadowing: " + what
	case audit.TypeScanResult:
		return "scanner findings in a result of " + what
	}
	return ev.Type + ": " + what
}

func lifecycle(e *Event, ev *audit.Event) {
	switch ev.Type {
	case audit.TypeUpstreamStart:
		e.set(catApplication, classAppLifecycle, 3, "")
	case audit.TypeUpstreamExit:
		e.set(catApplication, classAppLifecycle, 4, "")
	case audit.TypeUpstreamError:
		e.set(catApplication, classAppLifecycle, 3, "")
		e.StatusID, e.Status = 2, "Failure"
		e.SeverityID = max(e.SeverityID, 2)
	case audit.TypeConfigWarning:
		e.set(catApplication, classAppLifecycle, 99, "Configuration Warning")
		e.SeverityID = 2
	}
	if ev.Server != "" {
		e.App = &Product{Name: ev.Server, UID: ev.Server}
	} else {
		e.App = &Product{Name: "mcpwarden", VendorName: "mcpwarden", Version: e.Metadata.Product.Version}
	}
}

func datastore(e *Event, ev *audit.Event) {
	e.set(catApplication, classDatastore, 7, "")
	e.Actor = &Actor{User: user(ev.Principal)}
	e.SrcEndpoint = &Endpoint{Name: "mcpwarden"}
	e.Database = &Database{Name: "mcpwarden", TypeID: 1, Type: "Relational"}
	e.Table = &Table{Name: "audit_events"}
}

func message(ev *audit.Event) string {
	if ev.Summary != "" {
		return ev.Summary
	}
	var b strings.Builder
	b.WriteString(ev.Type)
	target := ev.Tool
	if ev.Resource != "" {
		target = ev.Resource
	}
	if ev.Server != "" {
		if target != "" {
			target = ev.Server + "/" + target
		} else {
			target = ev.Server
		}
	}
	if target != "" {
		b.WriteString(" " + target)
	}
	if ev.Principal.Subject != "" {
		b.WriteString(" by " + ev.Principal.Subject)
	}
	if ev.Decision.Action != "" && ev.Decision.Action != audit.ActionAllow {
		fmt.Fprintf(&b, ": %s", ev.Decision.Action)
		if ev.Decision.Reason != "" {
			b.WriteString(" (" + ev.Decision.Reason + ")")
		}
	} else if ev.Status.Outcome != "" && ev.Status.Outcome != audit.OutcomeOK {
		b.WriteString(": " + ev.Status.Outcome)
	}
	if ev.Type == audit.TypeAuditRetention {
		fmt.Fprintf(&b, ": deleted %v events (%v)", ev.Detail["deleted"], ev.Detail["reason"])
	}
	return b.String()
}

// unmapped keeps the audit fields OCSF has no attribute for, under their
// own names.
func unmapped(ev *audit.Event) map[string]any {
	m := map[string]any{"schema_version": ev.SchemaVersion}
	add := func(k string, v any, keep bool) {
		if keep {
			m[k] = v
		}
	}
	add("type", ev.Type, true)
	add("session_id", ev.SessionID, ev.SessionID != "")
	add("server", ev.Server, ev.Server != "")
	add("tool", ev.Tool, ev.Tool != "")
	add("exposed_name", ev.ExposedName, ev.ExposedName != "")
	add("resource", ev.Resource, ev.Resource != "")
	add("transport", ev.Transport, ev.Transport != "")
	add("remote_addr", ev.RemoteAddr, ev.RemoteAddr != "")
	add("schema_hash", ev.SchemaHash, ev.SchemaHash != "")
	add("contains_base64", ev.ContainsBase64, true)
	add("principal", ev.Principal, true)
	add("client", ev.Client, ev.Client != nil)
	add("decision", ev.Decision, true)
	add("status", ev.Status, true)
	add("duration_ms", ev.DurationMS, ev.DurationMS != 0)
	add("rule", ev.Rule, ev.Rule != "")
	add("severity", ev.Severity, ev.Severity != "")
	add("event_ids", ev.EventIDs, len(ev.EventIDs) > 0)
	add("detail", ev.Detail, len(ev.Detail) > 0)
	return map[string]any{"mcpwarden": m}
}
