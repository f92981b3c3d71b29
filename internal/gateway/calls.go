package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/mcpwarden/mcpwarden/internal/approval"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/detect"
	"github.com/mcpwarden/mcpwarden/internal/guard"
	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
	"github.com/mcpwarden/mcpwarden/internal/ratelimit"
	"github.com/mcpwarden/mcpwarden/internal/scan"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// call handles tools/call, prompts/get and resources/read: route, guard,
// forward, audit. The audit event is written before the response is
// returned; if it cannot be written the result is withheld (fail closed).
func (s *Session) call(ctx context.Context, m *jsonrpc.Message, reply Sink) []byte {
	start := time.Now()
	// What guards hold for the call (an in-flight slot) is released when
	// it returns, whatever the outcome.
	ctx, endScope := guard.WithCallScope(ctx)
	defer endScope()
	g := s.g
	correlation := audit.NewCorrelationID()
	ev := s.event(ctx, m.Method)
	ev.CorrelationID = correlation

	wouldDeny := false // policy.mode audit let a refused call run
	finish := func(resp []byte, d guard.Decision, st audit.Status) []byte {
		ev.Decision = audit.Decision{Action: d.Action.String(), Guard: d.Guard, Reason: d.Reason, Code: d.Code, WouldDeny: wouldDeny}
		ev.Status = st
		ev.DurationMS = msSince(start)
		if err := g.emit(ctx, ev); err != nil {
			if d.Action != guard.Allow {
				return resp // a denial stays a denial
			}
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeAuditFailed,
				"mcpwarden: the audit event could not be written, so the result is withheld: %v", err))
		}
		return resp
	}
	deny := func(d guard.Decision) []byte {
		if d.Code == 0 {
			d.Code = jsonrpc.CodeDenied
			if d.Action == guard.Hold {
				d.Code = jsonrpc.CodeHeld
			}
		}
		data := map[string]any{"guard": d.Guard, "correlation_id": correlation}
		if len(d.Scopes) > 0 {
			data["scope"] = strings.Join(d.Scopes, " ")
		}
		if d.RetryAfter > 0 { // a rate limit: when to retry
			data["retry_after_seconds"] = ratelimit.Seconds(d.RetryAfter)
			if ev.Detail == nil {
				ev.Detail = map[string]any{}
			}
			ev.Detail["retry_after_seconds"] = ratelimit.Seconds(d.RetryAfter)
		}
		e := jsonrpc.Errorf(d.Code, "%s", d.Reason).WithData(data)
		return finish(jsonrpc.NewError(m.ID, e), d, audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: d.Code, ErrorMessage: d.Reason})
	}

	if len(m.Params) == 0 || m.Params[0] != '{' {
		return deny(guard.Decision{Action: guard.Deny, Guard: "parser", Code: jsonrpc.CodeInvalidParams, Reason: m.Method + ": params must be an object"})
	}
	params := m.Params
	gc := &guard.Call{Method: m.Method, Session: s.flowSession(ctx, s.guardSession()), Principal: s.principal(ctx), CorrelationID: correlation}
	var srv *server
	switch m.Method {
	case "tools/call", "prompts/get":
		var name string
		if raw := jsonrpc.Field(params, "name"); raw == nil || json.Unmarshal(raw, &name) != nil || name == "" {
			return deny(guard.Decision{Action: guard.Deny, Guard: "parser", Code: jsonrpc.CodeInvalidParams, Reason: m.Method + ": params.name must be a non-empty string"})
		}
		args := jsonrpc.Field(params, "arguments")
		if args != nil && string(args) != "null" && (len(args) == 0 || args[0] != '{') {
			return deny(guard.Decision{Action: guard.Deny, Guard: "parser", Code: jsonrpc.CodeInvalidParams, Reason: m.Method + ": params.arguments must be an object"})
		}
		ev.ExposedName, ev.Arguments = name, args
		ev.ContainsBase64 = audit.ContainsBase64(args)
		kind := "tool"
		if m.Method == "prompts/get" {
			kind = "prompt"
		}
		var upName string
		var withheld bool
		srv, upName, withheld = g.route(kind, name)
		if srv == nil {
			return deny(guard.Decision{Action: guard.Deny, Guard: "router", Code: jsonrpc.CodeInvalidParams, Reason: fmt.Sprintf("unknown %s %q", kind, name)})
		}
		ev.Server, ev.Tool = srv.name, upName
		if withheld {
			return deny(guard.Decision{Action: guard.Deny, Guard: "namespace", Code: jsonrpc.CodeNameWithheld,
				Reason: fmt.Sprintf("%s %q is withheld: the name is exposed by more than one server", kind, name)})
		}
		if g.pins.enforced() && srv.stale() {
			srv.refreshCatalog(ctx) // relist before checking a pin
		}
		e := srv.lookup(kind, upName)
		if e == nil && kind == "tool" && !(srv.perUser && upName == AuthorizeTool) {
			// Not listed yet (a call before any listing, or the catalog
			// is still being filled): the guards need its definition.
			if e = s.fetchDefinition(ctx, srv, upName); e == nil {
				if _, err := s.upstreamFor(ctx, srv); err != nil {
					// Not known because the server cannot be reached (or the
					// user must authorize first): say so.
					if re, ok := upstream.AsRPCError(err); ok {
						return finish(jsonrpc.NewError(m.ID, re), guard.Allowed, audit.Status{Outcome: audit.OutcomeError, ErrorCode: re.Code, ErrorMessage: re.Message})
					}
					return finish(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeUpstreamUnavailable, "server %q is unavailable: %v", srv.name, err)), guard.Allowed,
						audit.Status{Outcome: audit.OutcomeUnavailable, ErrorCode: jsonrpc.CodeUpstreamUnavailable, ErrorMessage: err.Error()})
				}
				// A tool the server does not list has no schema to check
				// arguments against: refused where the policy default is
				// deny (fail closed); with default allow the call goes on,
				// as to a plain proxy, and the server answers for it.
				if !g.defaultAllow(srv.name) {
					return deny(guard.Decision{Action: guard.Deny, Guard: "router", Code: jsonrpc.CodeInvalidParams,
						Reason: fmt.Sprintf("unknown tool %q (server %q does not list it, and its policy default is deny)", name, srv.name)})
				}
			}
		}
		if e != nil {
			gc.Definition, gc.SchemaHash = e.def, e.hash
			ev.SchemaHash = e.hash
		}
		gc.Server, gc.Name, gc.ExposedName, gc.Arguments = srv.name, upName, name, args
		var err error
		if params, err = jsonrpc.SetField(params, "name", upName); err != nil {
			return deny(guard.Decision{Action: guard.Deny, Guard: "parser", Code: jsonrpc.CodeInvalidParams, Reason: err.Error()})
		}
	case "resources/read":
		var uri string
		if raw := jsonrpc.Field(params, "uri"); raw == nil || json.Unmarshal(raw, &uri) != nil || uri == "" {
			return deny(guard.Decision{Action: guard.Deny, Guard: "parser", Code: jsonrpc.CodeInvalidParams, Reason: "resources/read: params.uri must be a non-empty string"})
		}
		ev.Resource = uri
		var withheld bool
		srv, withheld = g.routeURI(uri)
		if srv == nil {
			return deny(guard.Decision{Action: guard.Deny, Guard: "router", Code: jsonrpc.CodeResourceNotFound, Reason: fmt.Sprintf("resource %q not found on any server", uri)})
		}
		ev.Server = srv.name
		if withheld {
			return deny(guard.Decision{Action: guard.Deny, Guard: "namespace", Code: jsonrpc.CodeNameWithheld,
				Reason: fmt.Sprintf("resource %q is withheld: more than one server lists it", uri)})
		}
		gc.Server, gc.URI = srv.name, uri
	}
	var d guard.Decision
	d, wouldDeny = g.decide(ctx, gc)
	if ok, _ := ctx.Value(recheckKey{}).(*bool); ok != nil && (d.Action == guard.Allow || (d.Action == guard.Hold && d.Guard != approval.HoldGuardName)) {
		// An MRTR retry of a call already running upstream (stateless.go):
		// the guards still allow it (a hold was already being decided).
		*ok = true
		ev.Detail = map[string]any{"mrtr_retry": true}
		return finish(jsonrpc.NewResult(m.ID, map[string]any{}), d, audit.Status{Outcome: audit.OutcomeOK})
	}
	if d.Action == guard.Hold && g.approvals != nil {
		d = s.hold(ctx, gc, d, correlation, reply, jsonrpc.Field(jsonrpc.Field(params, "_meta"), "progressToken"))
	}
	if d.Action != guard.Allow {
		if d.Action == guard.Hold {
			d.Reason += " (no approval service is configured: held calls are denied)"
		}
		return deny(d)
	}
	if g.auditFailed.Load() {
		return deny(guard.Decision{Action: guard.Deny, Guard: "audit", Code: jsonrpc.CodeAuditFailed,
			Reason: "the audit log could not be written: calls are refused until it can (fail closed)"})
	}
	if m.Method == "tools/call" && srv.perUser && gc.Name == AuthorizeTool {
		// The listed stand-in of a server the user has not authorized:
		// connecting answers with the URL elicitation, or says it is done.
		if _, err := s.upstreamFor(ctx, srv); err != nil {
			if re, ok := upstream.AsRPCError(err); ok {
				return finish(jsonrpc.NewError(m.ID, re), d, audit.Status{Outcome: audit.OutcomeError, ErrorCode: re.Code, ErrorMessage: re.Message})
			}
			return finish(jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeUpstreamUnavailable, "server %q is unavailable: %v", srv.name, err)), d,
				audit.Status{Outcome: audit.OutcomeUnavailable, ErrorCode: jsonrpc.CodeUpstreamUnavailable, ErrorMessage: err.Error()})
		}
		return finish(jsonrpc.NewResult(m.ID, map[string]any{"content": []map[string]any{{"type": "text",
			"text": "mcpwarden is connected to " + srv.name + " for you; list the tools again to see its tools."}}}), d, audit.Status{Outcome: audit.OutcomeOK})
	}
	r, jerr := s.forwardCall(ctx, srv, m, params, reply, correlation, ev)
	if jerr != nil {
		st := audit.Status{Outcome: audit.OutcomeError, ErrorCode: jerr.Code, ErrorMessage: jerr.Message}
		switch jerr.Code {
		case jsonrpc.CodeTimeout:
			st.Outcome = audit.OutcomeTimeout
		case jsonrpc.CodeUpstreamUnavailable:
			st.Outcome = audit.OutcomeUnavailable
		case codeRequestCancelled:
			st.Outcome = audit.OutcomeCancelled
		}
		if len(jerr.Data) == 0 || jerr.Data[0] != '{' {
			jerr = jerr.WithData(map[string]any{"correlation_id": correlation})
		} else if d, err := jsonrpc.SetField(jerr.Data, "correlation_id", correlation); err == nil {
			// Keep the data the error carries (a URL elicitation).
			jerr = &jsonrpc.Error{Code: jerr.Code, Message: jerr.Message, Data: d}
		}
		return finish(jsonrpc.NewError(m.ID, jerr), d, st)
	}
	st := audit.Status{Outcome: audit.OutcomeOK}
	switch {
	case r.Error != nil:
		st = audit.Status{Outcome: audit.OutcomeError, ErrorCode: r.Error.Code, ErrorMessage: r.Error.Message}
		if r.Error.Code == jsonrpc.CodeUpstreamUnavailable {
			st.Outcome = audit.OutcomeUnavailable
		}
	case m.Method == "tools/call" && string(jsonrpc.Field(r.Result, "isError")) == "true":
		st.Outcome = audit.OutcomeIsError
	}
	if m.Method == "resources/read" && r.Error == nil {
		srv.recordURI(ev.Resource)
	}
	if m.Method == "tools/call" && s.noteResult(srv, gc, st.Outcome == audit.OutcomeOK) {
		if ev.Detail == nil {
			ev.Detail = map[string]any{}
		}
		ev.Detail["tainted_session"] = true // toxic flows: untrusted content entered the session
	}
	var scanned []byte
	if m.Method == "tools/call" && r.Error == nil {
		var resp []byte
		var fs []scan.Finding
		blocked := false
		if g.scan.scansBehind() && len(r.Result) > 0 {
			// Annotate: scanned behind the answer (scanbehind.go); its
			// findings' event follows this call's.
			written := s.scanBehind(ctx, srv, gc, r.Result, ev)
			defer written() // after finish has written the call's event
		} else {
			resp, fs, blocked = s.applyResultScan(srv, gc, m.ID, r, correlation)
		}
		if len(fs) > 0 {
			if ev.Detail == nil {
				ev.Detail = map[string]any{}
			}
			ev.Detail["scan"] = findingsDetail(fs)
			ev.Detail["scan_max_severity"] = scan.Max(fs).String()
			if scan.Max(fs) >= g.scan.min && s.noteInjection(srv, gc) {
				ev.Detail["tainted_session"] = true
			}
		}
		if blocked {
			d = guard.Decision{Action: guard.Deny, Guard: ScanGuardName, Code: jsonrpc.CodeDenied, Reason: "the result was withheld: " + withheldWhy(fs, g.scan.min)}
			st = audit.Status{Outcome: audit.OutcomeDenied, ErrorCode: jsonrpc.CodeDenied, ErrorMessage: d.Reason}
		}
		scanned = resp
		if g.fingerprints && !blocked {
			// For the detection of data moving between servers: hashes
			// of the result's content, not the content. A large result's
			// are computed behind the answer.
			if len(r.Result) >= fingerprintsBehindMin {
				written := s.fingerprintsBehind(ctx, srv, gc, r.Result, ev)
				defer written()
			} else {
				fp, fpErr := fingerprints(r.Result)
				g.fingerprintsDetail(ev, srv, correlation, fp, fpErr)
			}
		}
	}
	out := scanned
	if out == nil {
		var err error
		if out, err = jsonrpc.Rewrite(r, m.ID, nil); err != nil {
			out = jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInternalError, "rewrite response: %v", err))
		}
	}
	return finish(out, d, st)
}

// fingerprintsBehindMin: from this result size on, the result's content
// fingerprints are computed behind the answer (fingerprintsBehind; 64 KiB
// take about 210 µs on a 2-core machine, BenchmarkValueFingerprints64KiB
// in internal/detect); smaller results' in line, in a few µs.
const fingerprintsBehindMin = 16 << 10

// fingerprints computes a result's content fingerprints. A panic in the
// fingerprinting becomes an error (recorded with the call) rather than
// ending the process.
func fingerprints(result json.RawMessage) (fp []uint64, err error) {
	defer func() {
		if r := recover(); r != nil {
			fp, err = nil, fmt.Errorf("fingerprinting panicked: %v", r)
		}
	}()
	return detect.ValueFingerprints(result), nil
}

// fingerprintsDetail puts a result's fingerprints (or why there are none)
// in ev's detail: the call's event, or the result.fingerprints event that
// follows it.
func (g *Gateway) fingerprintsDetail(ev *audit.Event, srv *server, correlation string, fp []uint64, err error) {
	if err != nil {
		// Not silent: the event says this result is invisible to
		// mcp.cross_app_flow, and the log says why.
		if ev.Detail == nil {
			ev.Detail = map[string]any{}
		}
		ev.Detail["result_fp_error"] = err.Error()
		g.log.Error("content fingerprints failed; the result is not followed by mcp.cross_app_flow", "server", srv.name, "correlation_id", correlation, "err", err)
	}
	if len(fp) > 0 {
		if ev.Detail == nil {
			ev.Detail = map[string]any{}
		}
		ev.Detail["result_fp"] = detect.EncodeFingerprints(fp)
		ev.Detail["result_fp_v"] = detect.FingerprintVersion
	}
}

// routeURI finds the server for a resource URI: the one that listed it,
// else the one with a matching template, else the only server offering
// resources. withheld is true when several servers claim it.
func (g *Gateway) routeURI(uri string) (*server, bool) {
	var listed, templated []*server
	for _, srv := range g.servers {
		l, t := srv.ownsURI(uri)
		if l {
			listed = append(listed, srv)
		} else if t {
			templated = append(templated, srv)
		}
	}
	switch {
	case len(listed) == 1:
		return listed[0], false
	case len(listed) > 1:
		return listed[0], true
	case len(templated) == 1:
		return templated[0], false
	case len(templated) > 1:
		return templated[0], true
	}
	var only *server
	for _, srv := range g.servers {
		if srv.has("resources") {
			if only != nil {
				return nil, false
			}
			only = srv
		}
	}
	return only, false
}

// complete routes completion/complete by its reference.
func (s *Session) complete(ctx context.Context, m *jsonrpc.Message, reply Sink) []byte {
	ref := jsonrpc.Field(m.Params, "ref")
	typ, _ := jsonrpc.StringField(ref, "type")
	var srv *server
	params := m.Params
	switch typ {
	case "ref/prompt":
		name, _ := jsonrpc.StringField(ref, "name")
		var up string
		var withheld bool
		srv, up, withheld = s.g.route("prompt", name)
		if srv == nil || withheld {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "unknown prompt %q", name))
		}
		nref, err := jsonrpc.SetField(ref, "name", up)
		if err == nil {
			params, err = jsonrpc.SetField(params, "ref", nref)
		}
		if err != nil {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "%v", err))
		}
	case "ref/resource":
		uri, _ := jsonrpc.StringField(ref, "uri")
		var withheld bool
		srv, withheld = s.g.routeURI(uri)
		if srv == nil {
			// A template reference: find the server that lists it.
			for _, c := range s.g.servers {
				if c.hasTemplate(uri) {
					srv = c
				}
			}
		}
		if srv == nil || withheld {
			return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "unknown resource %q", uri))
		}
	default:
		return jsonrpc.NewError(m.ID, jsonrpc.Errorf(jsonrpc.CodeInvalidParams, "completion/complete: unknown ref type %q", typ))
	}
	return s.passthrough(ctx, srv, m, params, reply)
}

func (s *server) hasTemplate(t string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.templates {
		if x == t {
			return true
		}
	}
	return false
}

// fetchDefinition lists the server's tools through this session's upstream
// session to learn a tool's definition; at most once a second per server,
// so calls with made-up names cannot make the gateway list tools on every
// call.
func (s *Session) fetchDefinition(ctx context.Context, srv *server, name string) *entry {
	// One listing at a time per server; callers that waited find what it
	// recorded.
	srv.fetchMu.Lock()
	defer srv.fetchMu.Unlock()
	if e := srv.lookup("tool", name); e != nil {
		return e
	}
	srv.mu.Lock()
	recent := time.Since(srv.lastFetch) < time.Second
	srv.mu.Unlock()
	if recent {
		return nil
	}
	us, err := s.upstreamFor(ctx, srv)
	if err != nil {
		return nil // the caller reports why the server cannot be reached
	}
	defer func() {
		srv.mu.Lock()
		srv.lastFetch = time.Now()
		srv.mu.Unlock()
	}()
	lctx, cancel := context.WithTimeout(ctx, srv.timeout)
	defer cancel()
	cursor := ""
	for page := 0; page < maxPages; page++ {
		res, err := us.list(lctx, "tools/list", cursor)
		if err != nil {
			break
		}
		for _, item := range res.items("tools") {
			if n, ok := stringOf(item, "name"); ok && n != "" {
				srv.record("tool", n, item)
			}
		}
		if res.NextCursor == "" {
			break
		}
		cursor = res.NextCursor
	}
	return srv.lookup("tool", name)
}

// hold waits for a human's decision on a held call. While it waits, a
// client that asked for progress is told the call is pending and where it
// can be decided. Only an approval lets the call run.
func (s *Session) hold(ctx context.Context, gc *guard.Call, d guard.Decision, correlation string, reply Sink, tok json.RawMessage) guard.Decision {
	p := gc.Principal
	req := &approval.Request{ID: approval.NewID(), CorrelationID: correlation, SessionID: s.id, Server: gc.Server, Tool: gc.Name, Arguments: gc.Arguments,
		Principal: approval.Principal{Subject: p.Subject, ClientID: p.ClientID, Issuer: p.Issuer}, Impact: impactOf(d.Reason), Reason: d.Reason}
	if d.Guard == approval.HoldGuardName {
		req.Impact = approval.ImpactDetection // never approved by the held principal itself
	}
	hctx, stop := context.WithCancel(ctx)
	defer stop()
	setTaskStatus(ctx, fmt.Sprintf("held for approval %s (%s); decide with: mcpwarden approvals approve|deny %s", req.ID, d.Reason, req.ID))
	if tok != nil && reply != nil {
		go func() {
			t := time.NewTicker(5 * time.Second)
			defer t.Stop()
			for i := 0; ; i++ {
				msg := jsonrpc.NewNotification("notifications/progress", map[string]any{"progressToken": tok, "progress": i,
					"message": "held for approval " + req.ID + " (mcpwarden approvals approve|deny " + req.ID + ")"})
				_ = reply.Send(msg)
				select {
				case <-hctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	var recorded func()
	if s.g.approvals.AllowSelfApproval && req.Impact != approval.ImpactDetection && s.canElicit(ctx) && reply != nil {
		// The policy lets the requester decide: ask them in their client,
		// once the request is recorded (a quick answer to a request not
		// yet recorded would be lost).
		recorded = func() { go s.askApproval(hctx, reply, req, gc) }
	}
	out, err := s.g.approvals.HoldThen(hctx, req, recorded)
	if err != nil {
		return guard.Decision{Action: guard.Deny, Guard: "approval", Code: jsonrpc.CodeHeld, Reason: d.Reason + "; " + err.Error() + " (denied)"}
	}
	r := out.Request
	if out.Approved {
		setTaskStatus(ctx, fmt.Sprintf("approved by %s (%s); running", r.Reviewer, req.ID))
		return guard.Decision{Action: guard.Allow, Guard: "approval", Reason: fmt.Sprintf("approved by %s (%s): %s", r.Reviewer, req.ID, r.ReviewReason)}
	}
	why := "denied"
	if r != nil {
		why = fmt.Sprintf("%s by %s: %s", r.Decision, r.Reviewer, r.ReviewReason)
	}
	return guard.Decision{Action: guard.Deny, Guard: "approval", Code: jsonrpc.CodeHeld,
		Reason: fmt.Sprintf("%s; approval %s ended: %s", d.Reason, req.ID, why)}
}

// impactOf reads the impact class from the impact guard's reason.
func impactOf(reason string) string {
	for _, c := range []string{"high", "medium"} {
		if strings.Contains(reason, "has "+c+" impact") {
			return c
		}
	}
	return "high"
}

// askApproval asks the requesting user, by MCP elicitation, to approve
// their own held call (only where approvals.allow_self_approval is set);
// their answer is a decision like any other (the first one counts).
func (s *Session) askApproval(ctx context.Context, reply Sink, req *approval.Request, gc *guard.Call) {
	args := string(gc.Arguments)
	if len(args) > 500 {
		args = args[:497] + "..."
	}
	params := map[string]any{
		"mode": "form",
		"message": fmt.Sprintf("mcpwarden holds a %s-impact call for approval (%s): tool %q of server %q with arguments %s. Approve it?",
			req.Impact, req.ID, gc.Name, gc.Server, args),
		"requestedSchema": map[string]any{"type": "object", "properties": map[string]any{
			"approve": map[string]any{"type": "boolean", "title": "Approve this call", "default": false}},
			"required": []string{"approve"}},
	}
	m, err := s.ask(ctx, reply, "elicitation/create", params)
	if err != nil || m == nil {
		return
	}
	var res struct {
		Action  string `json:"action"`
		Content struct {
			Approve bool `json:"approve"`
		} `json:"content"`
	}
	if m.Error != nil || json.Unmarshal(m.Result, &res) != nil {
		return
	}
	approve := res.Action == "accept" && res.Content.Approve
	reason := "answered in the client (elicitation: " + res.Action + ")"
	if err := s.g.approvals.Review(context.WithoutCancel(ctx), req.ID, approve, gc.Principal.Subject, reason); err != nil {
		// the call stays held and ends denied at the timeout (fail closed);
		// the lost answer is said, not silent
		s.g.log.Warn("approval: the answer given in the client was not recorded", "id", req.ID, "err", err)
	}
}
